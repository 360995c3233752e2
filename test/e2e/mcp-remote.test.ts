/**
 * The real client bridge: `mcp-remote` (what Claude Desktop runs for remote servers) between stdio and
 * our Streamable HTTP endpoint, against both compiled services. Speaks JSON-RPC on its stdin/stdout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type ServiceHandle, startService, tempDir } from "../support/service-process.ts";
import { spawnStdioPeer } from "../support/stdio-jsonrpc.ts";

const root = join(import.meta.dir, "..", "..");
const MCP_REMOTE = join(root, "node_modules", "mcp-remote", "dist", "proxy.js");

let product: ServiceHandle;
let order: ServiceHandle;

beforeAll(async () => {
  const token = crypto.randomUUID();
  product = await startService("product-service", { env: { INTERNAL_TOKEN: token } });
  order = await startService("order-service", {
    env: { INTERNAL_TOKEN: token, PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([order?.stop(), product?.stop()]);
});

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
}

/** Runs mcp-remote for `url` with its own HOME and config folder, so nothing lands in the real home. */
function bridge(url: string): { peer: ReturnType<typeof spawnStdioPeer> } {
  const home = tempDir("mcp-remote-home-");
  const peer = spawnStdioPeer(["node", MCP_REMOTE, url], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      MCP_REMOTE_CONFIG_DIR: join(home, "mcp-remote"),
    },
  });
  return { peer };
}

describe("mcp-remote bridge", () => {
  test("product-service: initialize, tools/list and a tool call over stdio", async () => {
    const { peer } = bridge(product.mcpUrl);
    try {
      const init = await peer.initialize("mcp-remote-e2e");
      expect(init.serverInfo.name).toBe("product-service");
      const { tools } = await peer.request<{ tools: { name: string }[] }>("tools/list");
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        "check_inventory",
        "get_product",
        "list_categories",
        "search_products",
      ]);
      const result = await peer.request<ToolResult>("tools/call", {
        name: "get_product",
        arguments: { product_id: "p002" },
      });
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toMatchObject({
        id: "p002",
        name: "Wireless Headphones",
        price: 149.99,
      });
    } finally {
      await peer.close();
    }
    // The bridge reached the server through the kit's endpoint, one logged request per message.
    const methods = product.logLines().map((line) => line.mcpMethod);
    expect(methods).toEqual(expect.arrayContaining(["initialize", "tools/list", "tools/call"]));
  }, 60_000);

  test("order-service: initialize, tools/list and an order that reserves stock in product-service", async () => {
    const { peer } = bridge(order.mcpUrl);
    try {
      const init = await peer.initialize("mcp-remote-e2e");
      expect(init.serverInfo.name).toBe("order-service");
      const { tools } = await peer.request<{ tools: { name: string }[] }>("tools/list");
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(["create_order", "get_order", "list_orders", "cancel_order"]),
      );
      const created = await peer.request<ToolResult>("tools/call", {
        name: "create_order",
        arguments: { items: [{ product_id: "p002", quantity: 2 }], idempotency_key: crypto.randomUUID() },
      });
      expect(created.isError).toBeUndefined();
      expect(created.structuredContent).toMatchObject({ status: "confirmed", total: 299.98 });
      const listed = await peer.request<ToolResult>("tools/call", { name: "list_orders", arguments: {} });
      expect(JSON.stringify(listed.structuredContent)).toContain(String(created.structuredContent?.order_id));
    } finally {
      await peer.close();
    }
  }, 60_000);
});
