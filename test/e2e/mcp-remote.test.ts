/**
 * The real client bridge: `mcp-remote` (what Claude Desktop runs for remote servers) between stdio and
 * our Streamable HTTP endpoint, against both compiled services, in the 2025-11-25 era (sessions). Speaks
 * JSON-RPC on its stdin/stdout: initialize, tools/list, get_product p001, resources/read product://p002,
 * create_order then cancel_order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  loggedProtocol,
  type ServiceHandle,
  startService,
  tempDir,
  waitForLogLine,
} from "../support/service-process.ts";
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
  test("product-service: initialize, tools/list, get_product p001 and product://p002 over stdio", async () => {
    const { peer } = bridge(product.mcpUrl);
    try {
      const init = await peer.initialize("mcp-remote-e2e", "2025-11-25");
      expect(init.protocolVersion).toBe("2025-11-25");
      expect(init.serverInfo.name).toBe("product-service");
      const { tools } = await peer.request<{ tools: { name: string }[] }>("tools/list");
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        "check_inventory",
        "get_product",
        "list_categories",
        "search_products",
      ]);
      const logMark = product.logLines().length;
      const result = await peer.request<ToolResult>("tools/call", {
        name: "get_product",
        arguments: { product_id: "p001" },
      });
      expect(result.isError).toBeUndefined();
      expect(result.structuredContent).toMatchObject({ id: "p001", name: "Smartphone X", price: 799.99 });
      expect(await loggedProtocol(product, "get_product", logMark)).toBe("2025-11-25");
      const read = await peer.request<{ contents: { uri: string; text: string }[] }>("resources/read", {
        uri: "product://p002",
      });
      expect(read.contents[0]?.uri).toBe("product://p002");
      expect(JSON.parse(read.contents[0]?.text ?? "{}")).toMatchObject({ id: "p002", price: 149.99 });
    } finally {
      await peer.close();
    }
    // The bridge reached the server through the kit's endpoint, one logged request per message.
    await waitForLogLine(product, (line) => line.mcpMethod === "resources/read");
    const methods = product.logLines().map((line) => line.mcpMethod);
    expect(methods).toEqual(
      expect.arrayContaining(["initialize", "tools/list", "tools/call", "resources/read"]),
    );
  }, 60_000);

  test("order-service: initialize, tools/list, create_order (stock reserved in product-service) then cancel_order", async () => {
    const { peer } = bridge(order.mcpUrl);
    try {
      const init = await peer.initialize("mcp-remote-e2e", "2025-11-25");
      expect(init.protocolVersion).toBe("2025-11-25");
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
      const orderId = String(created.structuredContent?.order_id);
      expect(JSON.stringify(listed.structuredContent)).toContain(orderId);
      const logMark = order.logLines().length;
      const cancelled = await peer.request<ToolResult>("tools/call", {
        name: "cancel_order",
        arguments: { order_id: orderId },
      });
      expect(cancelled.isError).toBeUndefined();
      expect(cancelled.structuredContent).toMatchObject({ order_id: orderId, status: "cancelled" });
      expect(await loggedProtocol(order, "cancel_order", logMark)).toBe("2025-11-25");
    } finally {
      await peer.close();
    }
  }, 60_000);
});
