/**
 * Hostile input against the compiled binaries. Every input must get a clear 4xx, a JSON-RPC error or
 * an `isError` result: never a 5xx, never a crash (the process lives and /health answers), never a
 * data change (stock and orders unchanged). The table of input → answer is printed for the record.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ServiceHandle, startService } from "../support/service-process.ts";

const KEY = "rmcp_hostile_input_test_key_0001";
const TOKEN = "hostile-input-internal-token-0123456789";

type Verdict = "4xx" | "rpc-error" | "isError" | "ok";
interface Answer {
  status: number;
  verdict: Verdict;
  text: string;
  body: unknown;
}

const rows: [string, string, string][] = [];

function summarize(status: number, raw: string): Answer {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = raw;
  }
  const message = body as {
    error?: { code: number; message: string };
    result?: { isError?: boolean; content?: { text?: string }[] };
  };
  if (message?.error) {
    return {
      status,
      body,
      verdict: status >= 400 ? "4xx" : "rpc-error",
      text: `${message.error.code} ${message.error.message}`,
    };
  }
  if (status >= 400) return { status, body, verdict: "4xx", text: raw.slice(0, 120) || "(empty body)" };
  if (message?.result?.isError)
    return { status, body, verdict: "isError", text: message.result.content?.[0]?.text ?? "" };
  return { status, body, verdict: "ok", text: raw.slice(0, 80) };
}

async function send(
  service: ServiceHandle,
  label: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(service.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      authorization: `Bearer ${KEY}`,
      ...headers,
    },
    body,
    ...(typeof body === "string" ? {} : { duplex: "half" }),
  } as RequestInit);
  const answer = summarize(response.status, await response.text());
  rows.push([
    `${service.service}: ${label}`,
    String(answer.status),
    `${answer.verdict}: ${answer.text.replace(/\s+/g, " ").slice(0, 110)}`,
  ]);
  return answer;
}

const rpc = (method: string, params?: unknown): string =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method, ...(params ? { params } : {}) });
const callTool = (name: string, args: unknown): string => rpc("tools/call", { name, arguments: args });

function refused(answer: Answer): void {
  expect(answer.status).toBeLessThan(500);
  expect(["4xx", "rpc-error", "isError"]).toContain(answer.verdict);
}

let product: ServiceHandle;
let order: ServiceHandle;

async function stockOf(ids: string[]): Promise<number[]> {
  const answer = summarize(
    200,
    await (
      await fetch(product.mcpUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${KEY}`,
        },
        body: callTool("check_inventory", { product_ids: ids }),
      })
    ).text(),
  );
  const result = (answer.body as { result: { structuredContent: { items: { stock: number }[] } } }).result;
  return result.structuredContent.items.map((item) => item.stock);
}

beforeAll(async () => {
  const auth = {
    AUTH_MODE: "api-key",
    API_KEYS: `hostile=${KEY}`,
    RATE_LIMIT_PER_MINUTE: "0",
    MAX_BODY_BYTES: "1048576",
  };
  product = await startService("product-service", { env: { ...auth, INTERNAL_TOKEN: TOKEN } });
  order = await startService("order-service", {
    env: { ...auth, INTERNAL_TOKEN: TOKEN, PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` },
  });
}, 180_000);

afterAll(async () => {
  await order?.stop();
  await product?.stop();
  const width = Math.max(...rows.map((row) => row[0].length));
  console.log(`\n${"input".padEnd(width)} | status | answer`);
  console.log(`${"-".repeat(width)}-|--------|-------`);
  for (const [input, status, answer] of rows)
    console.log(`${input.padEnd(width)} | ${status.padEnd(6)} | ${answer}`);
});

describe("product-service under hostile input", () => {
  const tracked = ["p002", "p004", "p001"];
  let stockBefore: number[];
  beforeAll(async () => {
    stockBefore = await stockOf(tracked);
  });

  test("malformed JSON, wrong content types and non-objects", async () => {
    expect((await send(product, "malformed JSON", '{"jsonrpc":"2.0","id":1,"method":')).text).toContain(
      "-32700",
    );
    expect(
      (await send(product, "content-type text/plain", rpc("ping"), { "content-type": "text/plain" })).status,
    ).toBe(415);
    expect(
      (
        await send(product, "content-type form", "a=1", {
          "content-type": "application/x-www-form-urlencoded",
        })
      ).status,
    ).toBe(415);
    for (const [label, body] of [
      ["body null", "null"],
      ["body 42", "42"],
      ['body "x"', '"x"'],
      ["id is an object", JSON.stringify({ jsonrpc: "2.0", id: { a: 1 }, method: "ping" })],
    ]) {
      const answer = await send(product, label as string, body as string);
      expect(answer.status).toBe(400);
    }
  });

  test("oversized bodies are 413, declared or streamed", async () => {
    const big = rpc("ping", { pad: "a".repeat(2 * 1024 * 1024) });
    expect((await send(product, "2 MiB body (Content-Length)", big)).status).toBe(413);
    const chunks = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 65536) controller.enqueue(chunks.slice(i, i + 65536));
        controller.close();
      },
    });
    const streamed = await send(product, "2 MiB body (chunked, no length)", stream);
    expect(streamed.status).toBe(413);
  });

  test("deep nesting and huge arrays are refused by validation, not by a crash", async () => {
    const deepArray = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    refused(
      await send(
        product,
        "10,000 nested arrays as query",
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_products","arguments":{"query":${deepArray}}}}`,
      ),
    );
    const deepObject = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const ping = await send(
      product,
      "10,000 nested objects in ping params",
      `{"jsonrpc":"2.0","id":1,"method":"ping","params":${deepObject}}`,
    );
    expect(ping.status).toBeLessThan(500);
    const ids = Array.from({ length: 100_000 }, (_, i) => `p${i}`);
    const huge = await send(
      product,
      "check_inventory with 100,000 ids",
      callTool("check_inventory", { product_ids: ids }),
    );
    refused(huge);
    expect(huge.text).toContain("<=50");
  });

  test("odd Unicode in search is answered normally", async () => {
    const inputs: [string, string][] = [
      ["RTL override + zero-width", "\u202eheadphones\u200b\u200d"],
      ["emoji", "🎧🎧🎧"],
      ["lone surrogate (escaped)", "\\ud800abc"],
      ["NUL", "head\\u0000phones"],
    ];
    for (const [label, query] of inputs) {
      // Built by hand so escapes such as \ud800 reach the server as JSON escapes, not as UTF-8.
      const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_products","arguments":{"query":"${query}"}}}`;
      const answer = await send(product, `search: ${label}`, body);
      expect(answer.status).toBe(200);
      expect(["ok", "isError"]).toContain(answer.verdict);
    }
  });

  test("SQL-like and LIKE-wildcard search strings are plain text", async () => {
    const search = async (
      label: string,
      query: string,
    ): Promise<{ total: number; products: { name: string; description: string }[] }> => {
      const answer = await send(
        product,
        `search: ${label}`,
        callTool("search_products", { query, limit: 50 }),
      );
      expect(answer.verdict).toBe("ok");
      return (
        answer.body as {
          result: { structuredContent: { total: number; products: { name: string; description: string }[] } };
        }
      ).result.structuredContent;
    };
    expect((await search("' OR 1=1 --", "' OR 1=1 --")).total).toBe(0);
    expect((await search("'; DROP TABLE products; --", "'; DROP TABLE products; --")).total).toBe(0);
    for (const [label, literal] of [
      ["%", "%"],
      ["_", "_"],
      ["\\", "\\"],
    ] as const) {
      const page = await search(label, literal);
      // Every hit really contains the character: wildcards are escaped, so "%" does not match everything.
      for (const hit of page.products) expect(`${hit.name} ${hit.description}`).toContain(literal);
      expect(page.total).toBeLessThan(79);
    }
    expect((await stockOf(["p002"]))[0]).toBe(stockBefore[0]);
  });

  test("unknown tools and methods, batches, bad sessions, versions, Origin and Host", async () => {
    refused(await send(product, "unknown tool drop_tables", callTool("drop_tables", {})));
    const method = await send(product, "unknown method admin/shutdown", rpc("admin/shutdown"));
    expect(method.text).toContain("-32601");
    const batch = JSON.stringify(
      Array.from({ length: 1000 }, (_, id) => ({ jsonrpc: "2.0", id, method: "tools/list" })),
    );
    const batchAnswer = await send(product, "batch of 1,000 requests", batch);
    expect(batchAnswer.status).toBe(400);
    expect(batchAnswer.text).toContain("batches are not supported");
    expect((await send(product, "batch of 2 requests", `[${rpc("ping")},${rpc("ping")}]`)).status).toBe(400);
    expect(
      (
        await send(product, "unknown session id", rpc("tools/list"), {
          "mcp-session-id": crypto.randomUUID(),
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await send(product, "session id with SQL", rpc("tools/list"), {
          "mcp-session-id": "'; DELETE FROM mcp_sessions; --",
        })
      ).status,
    ).toBe(404);
    expect(
      (await send(product, "session id of 8 KiB", rpc("tools/list"), { "mcp-session-id": "x".repeat(8192) }))
        .status,
    ).toBe(404);
    const version = await send(product, "MCP-Protocol-Version 1999-01-01", rpc("tools/list"), {
      "mcp-protocol-version": "1999-01-01",
    });
    expect(version.status).toBe(400);
    expect(version.text).toContain("Unsupported protocol version");
    expect(
      (
        await send(product, "Origin https://evil.example", rpc("tools/list"), {
          origin: "https://evil.example",
        })
      ).status,
    ).toBe(403);
    expect(
      (await send(product, "Host evil.example (DNS rebinding)", rpc("tools/list"), { host: "evil.example" }))
        .status,
    ).toBe(403);
    expect(
      (
        await send(product, "Authorization Bearer <10 KiB junk>", rpc("tools/list"), {
          authorization: `Bearer ${"A".repeat(10_240)}`,
        })
      ).status,
    ).toBe(401);
  });

  test("out-of-range numbers in catalogue tools are validation errors", async () => {
    refused(await send(product, "search limit 1e308", callTool("search_products", { limit: 1e308 })));
    refused(await send(product, "search limit -1", callTool("search_products", { limit: -1 })));
    refused(
      await send(
        product,
        "search min_price NaN-ish string",
        callTool("search_products", { min_price: "NaN" }),
      ),
    );
    refused(
      await send(
        product,
        "get_product id of 10,000 chars",
        callTool("get_product", { product_id: "p".repeat(10_000) }),
      ),
    );
  });

  test("afterwards: alive, healthy, and the stock is unchanged", async () => {
    expect(product.process.exitCode).toBeNull();
    expect((await fetch(`${product.baseUrl}/health`)).status).toBe(200);
    expect(await stockOf(tracked)).toEqual(stockBefore);
    const fivexx = product.logLines().filter((line) => typeof line.status === "number" && line.status >= 500);
    expect(fivexx).toEqual([]);
  });
});

describe("order-service under hostile input", () => {
  let stockBefore: number[];
  beforeAll(async () => {
    stockBefore = await stockOf(["p002", "p001"]);
  });

  test("negative, zero, fractional, huge and non-numeric quantities are refused", async () => {
    const service = order;
    const quantities: [string, unknown][] = [
      ["-1", -1],
      ["0", 0],
      ["1.5", 1.5],
      ["1e308", 1e308],
      ["2^53", 2 ** 53],
      ['"3"', "3"],
      ["null", null],
    ];
    for (const [label, quantity] of quantities) {
      refused(
        await send(
          service,
          `create_order quantity ${label}`,
          callTool("create_order", { items: [{ product_id: "p002", quantity }] }),
        ),
      );
    }
    refused(
      await send(
        service,
        "create_order with 100,000 lines",
        callTool("create_order", {
          items: Array.from({ length: 100_000 }, () => ({ product_id: "p002", quantity: 1 })),
        }),
      ),
    );
    refused(await send(service, "create_order with no items", callTool("create_order", { items: [] })));
    refused(
      await send(
        service,
        "create_order product_id ' OR 1=1 --",
        callTool("create_order", { items: [{ product_id: "' OR 1=1 --", quantity: 1 }] }),
      ),
    );
    refused(
      await send(service, "get_order id ' OR 1=1 --", callTool("get_order", { order_id: "' OR 1=1 --" })),
    );
    refused(
      await send(
        service,
        "cancel_order unknown id",
        callTool("cancel_order", { order_id: crypto.randomUUID() }),
      ),
    );
  });

  test("afterwards: alive, healthy, no order created and the stock is unchanged", async () => {
    const service = order;
    expect(service.process.exitCode).toBeNull();
    expect((await fetch(`${service.baseUrl}/health`)).status).toBe(200);
    const listed = await send(
      service,
      "list_orders (check nothing was created)",
      callTool("list_orders", {}),
    );
    expect(listed.verdict).toBe("ok");
    expect(
      (listed.body as { result: { structuredContent: { orders: unknown[] } } }).result.structuredContent
        .orders,
    ).toEqual([]);
    expect(await stockOf(["p002", "p001"])).toEqual(stockBefore);
  });
});
