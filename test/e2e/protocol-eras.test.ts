/**
 * Both protocol eras against the compiled services, with real clients: the SDK v2 client pinned to
 * 2026-07-28 and in `auto` mode (which must choose 2026-07-28), and the v1 client (2025-11-25, with a
 * session). Each discovers or initializes, lists tools, gets a product, reads product://p002, and
 * creates then cancels an order. Modern requests leave no session behind.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { callTool, connectClient } from "../support/mcp-client.ts";
import { connectModernClient, type Negotiation } from "../support/mcp-v2-client.ts";
import { loggedProtocol, type ServiceHandle, startService, tempDir } from "../support/service-process.ts";

const TOKEN = "eras-e2e-internal-token-0123456789";

interface ProductView {
  id: string;
  name: string;
  price: number;
}
interface OrderView {
  order_id: string;
  status: string;
  total: number | null;
}

let product: ServiceHandle;
let order: ServiceHandle;
const orderDatabase = join(tempDir(), "order-service.sqlite");

beforeAll(async () => {
  product = await startService("product-service", { env: { INTERNAL_TOKEN: TOKEN } });
  order = await startService("order-service", {
    databaseUrl: `sqlite://${orderDatabase}`,
    env: { PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}`, INTERNAL_TOKEN: TOKEN },
  });
}, 120_000);

afterAll(async () => {
  await order?.stop();
  await product?.stop();
});

/** structuredContent of a successful v2 tool call. */
async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as T;
}

function sessionRows(): number {
  const db = new Database(orderDatabase, { readonly: true });
  try {
    return (db.query("SELECT count(*) AS n FROM mcp_sessions").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

for (const negotiation of ["pin-2026-07-28", "auto"] as Negotiation[]) {
  describe(`SDK v2 client, ${negotiation}`, () => {
    test("product-service: discover, tools/list, get_product p001, resources/read product://p002", async () => {
      const client = await connectModernClient(product.mcpUrl, negotiation);
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
        expect(client.getServerVersion()?.name).toBe("product-service");
        const tools = (await client.listTools()).tools.map((tool) => tool.name);
        expect(tools).toContain("get_product");
        const logMark = product.logLines().length;
        expect(await call<ProductView>(client, "get_product", { product_id: "p001" })).toMatchObject({
          id: "p001",
          name: "Smartphone X",
          price: 799.99,
        });
        const read = await client.readResource({ uri: "product://p002" });
        const content = read.contents[0] as { uri: string; text: string };
        expect(JSON.parse(content.text).id).toBe("p002");
        // The catalogue may be cached by anyone (cacheHints in product-service/src/mcp.ts).
        expect(read).toMatchObject({ cacheScope: "public", ttlMs: 10_000 });
        // SEP-2164: a missing resource is -32602 with the uri in data.
        const missing = await client.readResource({ uri: "product://nope" }).catch((error) => error);
        expect(missing).toMatchObject({ code: -32602, data: { uri: "product://nope" } });
        // The request log says which era served each call.
        expect(await loggedProtocol(product, "get_product", logMark)).toBe("2026-07-28");
      } finally {
        await client.close();
      }
    });

    test("order-service: discover, tools/list, create_order then cancel_order, no session row", async () => {
      const before = sessionRows();
      const client = await connectModernClient(order.mcpUrl, negotiation);
      try {
        expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
        const tools = (await client.listTools()).tools.map((tool) => tool.name);
        expect(tools).toEqual(expect.arrayContaining(["create_order", "cancel_order"]));
        const created = await call<OrderView>(client, "create_order", {
          items: [{ product_id: "p002", quantity: 1 }],
          idempotency_key: `eras-${negotiation}`,
        });
        expect(created.status).toBe("confirmed");
        const read = await client.readResource({ uri: `order://${created.order_id}` });
        // A caller's orders are theirs alone.
        expect(read).toMatchObject({ cacheScope: "private" });
        const cancelled = await call<OrderView>(client, "cancel_order", { order_id: created.order_id });
        expect(cancelled.status).toBe("cancelled");
      } finally {
        await client.close();
      }
      expect(sessionRows()).toBe(before);
    });
  });
}

describe("SDK v1 client (2025-11-25, sessions)", () => {
  test("both services: initialize, tools/list, get_product p001, product://p002, create_order then cancel_order", async () => {
    const catalogue = await connectClient(product.mcpUrl);
    const orders = await connectClient(order.mcpUrl);
    try {
      expect(catalogue.transport.protocolVersion).toBe("2025-11-25");
      expect(catalogue.transport.sessionId).toBeString();
      expect((await catalogue.client.listTools()).tools.map((tool) => tool.name)).toContain("get_product");
      const logMark = product.logLines().length;
      expect(
        await callTool<ProductView>(catalogue.client, "get_product", { product_id: "p001" }),
      ).toMatchObject({
        id: "p001",
        price: 799.99,
      });
      expect(await loggedProtocol(product, "get_product", logMark)).toBe("2025-11-25");
      const read = await catalogue.client.readResource({ uri: "product://p002" });
      expect(JSON.parse((read.contents[0] as { text: string }).text).id).toBe("p002");
      // Cache hints are a 2026-07-28 feature: 2025 answers stay as they were.
      expect(read).not.toHaveProperty("cacheScope");
      expect(orders.transport.protocolVersion).toBe("2025-11-25");
      expect((await orders.client.listTools()).tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(["create_order", "cancel_order"]),
      );
      const created = await callTool<OrderView>(orders.client, "create_order", {
        items: [{ product_id: "p002", quantity: 1 }],
        idempotency_key: "eras-v1",
      });
      expect(created.status).toBe("confirmed");
      const cancelled = await callTool<OrderView>(orders.client, "cancel_order", {
        order_id: created.order_id,
      });
      expect(cancelled.status).toBe("cancelled");
      expect(sessionRows()).toBeGreaterThan(0);
    } finally {
      await catalogue.close();
      await orders.close();
    }
  });
});

test("a 2025 GET stream answers with its headers at once, not at the first keep-alive", async () => {
  const post = (body: unknown, session?: string): Promise<Response> =>
    fetch(product.mcpUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : {}),
      },
      body: JSON.stringify(body),
    });
  const init = await post({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "get-test", version: "1" },
    },
  });
  const session = init.headers.get("mcp-session-id") as string;
  await init.text();
  await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
  const controller = new AbortController();
  const started = performance.now();
  // SSE_KEEPALIVE_MS is 10 s by default: without the opening comment the headers waited that long.
  const stream = await fetch(product.mcpUrl, {
    headers: { accept: "text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(5000)]),
  });
  const waitedMs = performance.now() - started;
  expect(stream.status).toBe(200);
  expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
  expect(waitedMs).toBeLessThan(2000);
  const reader = stream.body?.getReader();
  const first = await reader?.read();
  expect(new TextDecoder().decode(first?.value)).toStartWith(": stream open");
  controller.abort();
});
