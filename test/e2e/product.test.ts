/**
 * product-service, black box: the compiled binary on a free port with a temporary SQLite file,
 * driven by the official MCP SDK client and by raw HTTP where the SDK would hide the behaviour.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type ConnectedClient,
  callTool,
  callToolExpectingError,
  connectClient,
} from "../support/mcp-client.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { type ServiceHandle, startService, waitForLogLine } from "../support/service-process.ts";

interface ProductView {
  id: string;
  name: string;
  price: number;
  stock: number;
  in_stock: boolean;
  category: string;
}

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`product-service on ${dialect}`, () => {
    let product: ServiceHandle;
    let connection: ConnectedClient;

    beforeAll(async () => {
      const databaseUrl = dialect === "postgres" ? await createTestDatabase("product_e2e") : undefined;
      product = await startService("product-service", databaseUrl ? { databaseUrl } : {});
      connection = await connectClient(product.mcpUrl);
    }, 120_000);

    afterAll(async () => {
      await connection?.close();
      await product?.stop();
    });

    const INIT_BODY = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    };

    async function rawInitialize(): Promise<string> {
      const response = await fetch(product.mcpUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify(INIT_BODY),
      });
      expect(response.status).toBe(200);
      await response.text();
      const session = response.headers.get("mcp-session-id");
      expect(session).toBeTruthy();
      return session as string;
    }

    describe("tools", () => {
      test("tools/list has the four catalogue tools with output schemas and read-only annotations", async () => {
        const { tools } = await connection.client.listTools();
        expect(tools.map((tool) => tool.name).sort()).toEqual([
          "check_inventory",
          "get_product",
          "list_categories",
          "search_products",
        ]);
        for (const tool of tools) {
          expect(tool.description?.length ?? 0).toBeGreaterThan(20);
          expect(tool.outputSchema?.type).toBe("object");
          expect(tool.annotations?.readOnlyHint).toBe(true);
        }
      });

      test('"headphones under $200" finds p002', async () => {
        const result = await callTool<{ products: ProductView[] }>(connection.client, "search_products", {
          query: "headphones under $200",
        });
        const ids = result.products.map((p) => p.id);
        expect(ids).toContain("p002");
        expect(result.products.every((p) => p.price <= 200)).toBe(true);
        const explicit = await callTool<{ products: ProductView[] }>(connection.client, "search_products", {
          query: "headphones",
          max_price: 200,
        });
        expect(explicit.products.map((p) => p.id)).toContain("p002");
      });

      test("search pages through results with an opaque cursor, without repeats", async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let total = -1;
        for (let page = 0; page < 20; page++) {
          const args: Record<string, unknown> = { category: "electronics", limit: 4, sort: "price_asc" };
          if (cursor) args.cursor = cursor;
          const result = await callTool<{
            products: ProductView[];
            next_cursor?: string;
            total: number;
          }>(connection.client, "search_products", args);
          total = result.total;
          seen.push(...result.products.map((p) => p.id));
          const prices = result.products.map((p) => p.price);
          expect(prices).toEqual([...prices].sort((a, b) => a - b));
          cursor = result.next_cursor;
          if (!cursor) break;
        }
        expect(total).toBeGreaterThan(4);
        expect(seen.length).toBe(total);
        expect(new Set(seen).size).toBe(total);
      });

      test("search filters: in stock only, price range, sort by price descending", async () => {
        const result = await callTool<{ products: ProductView[]; total: number }>(
          connection.client,
          "search_products",
          {
            in_stock_only: true,
            min_price: 100,
            max_price: 500,
            sort: "price_desc",
            limit: 50,
          },
        );
        expect(result.total).toBeGreaterThan(0);
        for (const p of result.products) {
          expect(p.in_stock).toBe(true);
          expect(p.price).toBeGreaterThanOrEqual(100);
          expect(p.price).toBeLessThanOrEqual(500);
        }
        const prices = result.products.map((p) => p.price);
        expect(prices).toEqual([...prices].sort((a, b) => b - a));
      });

      test("search errors: a cursor from another search, min above max, limit out of range", async () => {
        const first = await callTool<{ next_cursor?: string }>(connection.client, "search_products", {
          limit: 2,
        });
        expect(first.next_cursor).toBeTruthy();
        const reused = await callToolExpectingError(connection.client, "search_products", {
          limit: 2,
          category: "kitchen",
          cursor: first.next_cursor,
        });
        expect(reused).toContain("cursor");
        const swapped = await callToolExpectingError(connection.client, "search_products", {
          min_price: 50,
          max_price: 10,
        });
        expect(swapped).toContain("min_price");
        const tooMany = await callToolExpectingError(connection.client, "search_products", { limit: 500 });
        expect(tooMany.toLowerCase()).toContain("limit");
      });

      test("get_product returns the workshop's p001 with its price in currency units", async () => {
        const p = await callTool<ProductView>(connection.client, "get_product", { product_id: "p001" });
        expect(p).toMatchObject({ id: "p001", name: "Smartphone X", price: 799.99, category: "electronics" });
        const shoes = await callTool<ProductView>(connection.client, "get_product", { product_id: "p004" });
        expect(shoes).toMatchObject({ name: "Running Shoes", price: 129.99, stock: 0, in_stock: false });
      });

      test("get_product on an unknown id says to use search_products", async () => {
        const text = await callToolExpectingError(connection.client, "get_product", { product_id: "p999" });
        expect(text).toContain("p999");
        expect(text).toContain("search_products");
      });

      test("a malformed product id is refused as such, with the id format orders use", async () => {
        for (const [tool, args] of [
          ["get_product", { product_id: "p0 01" }],
          ["check_inventory", { product_ids: ["p002", "'; DROP TABLE products; --"] }],
        ] as const) {
          const text = await callToolExpectingError(connection.client, tool, args);
          expect({ tool, says: text.includes("must be a product id like p002") }).toEqual({
            tool,
            says: true,
          });
        }
      });

      test("list_categories counts products per category", async () => {
        const result = await callTool<{ categories: { id: string; product_count: number }[] }>(
          connection.client,
          "list_categories",
        );
        expect(result.categories.length).toBeGreaterThanOrEqual(6);
        const sum = result.categories.reduce((total, c) => total + c.product_count, 0);
        expect(sum).toBeGreaterThanOrEqual(60);
        expect(result.categories.find((c) => c.id === "electronics")?.product_count).toBeGreaterThan(3);
      });

      test("check_inventory reports stock and lists unknown ids", async () => {
        const result = await callTool<{
          items: { product_id: string; stock: number }[];
          unknown_ids: string[];
        }>(connection.client, "check_inventory", { product_ids: ["p002", "p004", "nope"] });
        expect(result.items).toEqual([
          { product_id: "p002", name: "Wireless Headphones", stock: 100, in_stock: true },
          { product_id: "p004", name: "Running Shoes", stock: 0, in_stock: false },
        ] as never);
        expect(result.unknown_ids).toEqual(["nope"]);
        const empty = await callToolExpectingError(connection.client, "check_inventory", { product_ids: [] });
        expect(empty.toLowerCase()).toContain("product_ids");
      });
    });

    describe("resources and prompts", () => {
      test("product://{product_id} is listed, read and completed", async () => {
        const { resources } = await connection.client.listResources();
        expect(resources.some((r) => r.uri === "product://p002")).toBe(true);
        const { resourceTemplates } = await connection.client.listResourceTemplates();
        expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("product://{product_id}");
        const read = await connection.client.readResource({ uri: "product://p002" });
        const first = read.contents[0] as { text: string };
        expect(JSON.parse(first.text)).toMatchObject({ id: "p002", price: 149.99 });
        const completion = await connection.client.complete({
          ref: { type: "ref/resource", uri: "product://{product_id}" },
          argument: { name: "product_id", value: "p00" },
        });
        expect(completion.completion.values).toContain("p002");
        await expect(connection.client.readResource({ uri: "product://zzz" })).rejects.toThrow(
          /search_products/,
        );
      });

      test("catalog://categories lists categories", async () => {
        const read = await connection.client.readResource({ uri: "catalog://categories" });
        const body = JSON.parse((read.contents[0] as { text: string }).text) as {
          categories: { id: string }[];
        };
        expect(body.categories.map((c) => c.id)).toContain("kitchen");
      });

      test("find_gift prompt guides through the tools", async () => {
        const { prompts } = await connection.client.listPrompts();
        expect(prompts.map((p) => p.name)).toContain("find_gift");
        const prompt = await connection.client.getPrompt({
          name: "find_gift",
          arguments: { budget: "100", interests: "coffee" },
        });
        const content = prompt.messages[0]?.content;
        expect(content?.type).toBe("text");
        const text = content?.type === "text" ? content.text : "";
        expect(text).toContain("search_products");
        expect(text).toContain("coffee");
      });
    });

    describe("sessions and HTTP rules", () => {
      test("DELETE ends the session, then the id gets 404", async () => {
        const session = await rawInitialize();
        const headers = { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
        const deleted = await fetch(product.mcpUrl, { method: "DELETE", headers });
        expect(deleted.status).toBe(200);
        const after = await fetch(product.mcpUrl, {
          method: "POST",
          headers: {
            ...headers,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        });
        expect(after.status).toBe(404);
        const body = (await after.json()) as { error: { message: string } };
        expect(body.error.message).toContain("initialize");
      });

      test("an unknown session id gets 404", async () => {
        const response = await fetch(product.mcpUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-session-id": "00000000-0000-0000-0000-000000000000",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        });
        expect(response.status).toBe(404);
      });

      test("a bad Origin gets 403 and a good one gets CORS headers", async () => {
        const bad = await fetch(product.mcpUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            origin: "https://evil.example",
          },
          body: JSON.stringify(INIT_BODY),
        });
        expect(bad.status).toBe(403);
        expect(await bad.text()).toContain("ALLOWED_ORIGINS");
        const good = await fetch(product.mcpUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            origin: `http://localhost:${product.port}`,
          },
          body: JSON.stringify(INIT_BODY),
        });
        expect(good.status).toBe(200);
        expect(good.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
        const preflight = await fetch(product.mcpUrl, {
          method: "OPTIONS",
          headers: { origin: `http://localhost:${product.port}`, "access-control-request-method": "POST" },
        });
        expect(preflight.status).toBe(204);
        const allowed = preflight.headers.get("access-control-allow-headers") ?? "";
        for (const header of ["mcp-protocol-version", "last-event-id", "authorization", "mcp-session-id"]) {
          expect(allowed).toContain(header);
        }
      });

      test("a rebound Host name gets 403 on a loopback bind", async () => {
        const response = await fetch(product.mcpUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            host: "evil.example.com",
          },
          body: JSON.stringify(INIT_BODY),
        });
        expect(response.status).toBe(403);
      });

      test("a bad protocol version gets 400", async () => {
        const session = await rawInitialize();
        const response = await fetch(product.mcpUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-session-id": session,
            "mcp-protocol-version": "1999-01-01",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("2025-11-25");
      });

      test("Accept picks JSON or SSE", async () => {
        const call = (accept: string): Promise<Response> =>
          fetch(product.mcpUrl, {
            method: "POST",
            headers: { "content-type": "application/json", accept },
            body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
          });
        const json = await call("application/json");
        expect(json.headers.get("content-type")).toContain("application/json");
        expect(((await json.json()) as { result: { tools: unknown[] } }).result.tools.length).toBe(4);
        const sse = await call("text/event-stream");
        expect(sse.headers.get("content-type")).toContain("text/event-stream");
        expect(await sse.text()).toContain('"tools"');
        const neither = await call("text/html");
        expect(neither.status).toBe(406);
      });

      // An idle stream never touches the database, and this takes 20 s: one dialect is enough.
      if (dialect === "sqlite")
        test("an SSE stream held open 20 s idle stays alive", async () => {
          const session = await rawInitialize();
          const controller = new AbortController();
          const response = await fetch(product.mcpUrl, {
            method: "GET",
            headers: {
              accept: "text/event-stream",
              "mcp-session-id": session,
              "mcp-protocol-version": "2025-11-25",
            },
            signal: controller.signal,
          });
          expect(response.status).toBe(200);
          const reader = (response.body as ReadableStream<Uint8Array>).getReader();
          const started = Date.now();
          let received = "";
          let ended = false;
          while (Date.now() - started < 20_000) {
            const next = await Promise.race([
              reader.read(),
              Bun.sleep(21_000 - (Date.now() - started)).then(() => null),
            ]);
            if (next === null) break;
            if (next.done) {
              ended = true;
              break;
            }
            received += new TextDecoder().decode(next.value);
          }
          expect(ended).toBe(false);
          expect(Date.now() - started).toBeGreaterThanOrEqual(20_000);
          // keep-alive comments crossed the idle period
          expect(received).toMatch(/^:/m);
          controller.abort();
        }, 40_000);
    });

    describe("health and logs", () => {
      test("/health and /ready answer; one JSON log line per request with id, method, tool, status, duration", async () => {
        expect((await fetch(`${product.baseUrl}/health`)).status).toBe(200);
        const ready = await fetch(`${product.baseUrl}/ready`);
        expect(((await ready.json()) as { status: string }).status).toBe("ready");
        const logMark = product.logLines().length;
        await callTool(connection.client, "get_product", { product_id: "p003" });
        const line = await waitForLogLine(
          product,
          (each) => each.msg === "request" && each.tool === "get_product",
          logMark,
        );
        expect(line).toBeDefined();
        expect(line).toMatchObject({ httpMethod: "POST", mcpMethod: "tools/call", status: 200 });
        expect(typeof line?.requestId).toBe("string");
        expect(typeof line?.durationMs).toBe("number");
      });

      test("SIGTERM exits 0", async () => {
        const other = await startService("product-service", {
          databaseUrl: product.env.DATABASE_URL as string,
        });
        expect(await other.stop()).toBe(0);
        expect(other.output()).toContain('"msg":"stopped"');
      });
    });
  });
}

test("SIGTERM does not wait for an idle GET stream: the drain ends at once and the stream is closed", async () => {
  const service = await startService("product-service", { env: { SHUTDOWN_TIMEOUT_MS: "20000" } });
  const init = await fetch(service.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
  const session = init.headers.get("mcp-session-id") as string;
  const stream = await fetch(service.mcpUrl, {
    headers: { accept: "text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
  });
  expect(stream.status).toBe(200);
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  const started = Date.now();
  const exitCode = await service.stop();
  expect(exitCode).toBe(0);
  const drainMs = Date.now() - started;
  console.log(`SIGTERM with an open GET stream: exited in ${drainMs} ms`);
  expect(drainMs).toBeLessThan(10_000);
  const closed = await Promise.race([
    (async () => {
      for (;;) {
        const next = await reader.read().catch(() => ({ done: true }));
        if (next.done) return true;
      }
    })(),
    Bun.sleep(5000).then(() => false),
  ]);
  expect(closed).toBe(true);
}, 60_000);
