/**
 * The direct path answers a plain 2026-07-28 tools/call exactly as the SDK's entry does. Both copies
 * of the app (differential-support.ts) get the same requests; status, content type, the headers a
 * client reads and the body must be equal. Each case also says which path it must take on the direct
 * copy, so a shape that silently stops being served directly shows up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Copies, KEY, send, startCopies } from "./differential-support.ts";

let copies: Copies;
beforeAll(async () => {
  copies = await startCopies();
});
afterAll(() => copies.close());

// The headers and body the SDK v2 client sends for get_product, as bench/capture recorded them.
const captured = JSON.parse(
  readFileSync(join(import.meta.dir, "../../../../bench/requests/sdk-v2.json"), "utf8"),
) as { calls: Record<string, { headers: [string, string][]; body: string }> };
const CAPTURED_CALL = captured.calls.get_product;
if (!CAPTURED_CALL) throw new Error("bench/requests/sdk-v2.json has no get_product call");
const CLIENT_HEADERS: Record<string, string> = Object.fromEntries(
  CAPTURED_CALL.headers.filter(([name]) => name !== "content-length" && name !== "host"),
);
const CLIENT_BODY = JSON.parse(CAPTURED_CALL.body) as {
  params: { _meta: Record<string, unknown> };
};
const META = CLIENT_BODY.params._meta;

interface Case {
  name: string;
  body: unknown;
  headers?: Record<string, string | undefined>;
  /** Whether the first copy must answer it on the direct path. */
  directly: boolean;
  status?: number;
}

function call(name: string, args: unknown, options: { id?: unknown; meta?: unknown } = {}): unknown {
  const params: Record<string, unknown> = { name, _meta: options.meta ?? META };
  if (args !== undefined) params.arguments = args;
  return { method: "tools/call", params, jsonrpc: "2.0", id: "id" in options ? options.id : 0 };
}

function headersFor(body: unknown, extra: Record<string, string | undefined> = {}): Headers {
  const name = (body as { params?: { name?: unknown } } | null)?.params?.name;
  const headers = new Headers({
    ...CLIENT_HEADERS,
    "mcp-name": typeof name === "string" ? name : "",
    host: "127.0.0.1",
    authorization: `Bearer ${KEY}`,
  });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) headers.delete(key);
    else headers.set(key, value);
  }
  return headers;
}

const getA = (options: { id?: unknown; meta?: unknown } = {}): unknown =>
  call("get_product", { product_id: "a" }, options);
const withMeta = (patch: Record<string, unknown>): unknown => getA({ meta: { ...META, ...patch } });
const VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
const INFO_KEY = "io.modelcontextprotocol/clientInfo";
const CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";
const direct1 = (name: string, body: unknown, status?: number): Case => ({
  name,
  body,
  directly: true,
  ...(status ? { status } : {}),
});
const viaSdk = (name: string, body: unknown, headers?: Case["headers"]): Case => ({
  name,
  body,
  directly: false,
  ...(headers ? { headers } : {}),
});

const cases: Case[] = [
  direct1("the SDK v2 client's get_product, byte for byte", CAPTURED_CALL.body, 200),
  direct1("plain call", call("get_product", { product_id: "p001" }), 200),
  direct1("string id", getA({ id: "req-ü-1" })),
  direct1("unicode arguments", call("get_product", { product_id: "ñ😀\u0000" })),
  direct1("huge id argument", call("get_product", { product_id: "x".repeat(90_000) })),
  direct1("over-long argument", call("get_product", { product_id: "x".repeat(100_001) })),
  direct1("huge string request id", getA({ id: "9".repeat(5000) })),
  viaSdk("request id past 2^53", getA({ id: 2 ** 53 + 2 })),
  viaSdk("fractional request id", getA({ id: 1.5 })),
  viaSdk("null request id", getA({ id: null })),
  direct1("wrong argument type", call("get_product", { product_id: 5 })),
  direct1("unknown argument", call("get_product", { product_id: "a", extra: 1 })),
  direct1("empty arguments", call("get_product", {})),
  viaSdk("no arguments", call("get_product", undefined)),
  viaSdk("arguments not an object", call("get_product", ["a"])),
  direct1("domain error", call("get_product", { product_id: "missing" })),
  direct1("unexpected error", call("get_product", { product_id: "crash" })),
  direct1("output its schema refuses", call("bad_output", {})),
  direct1("tool the caller lacks the scope for", call("unscoped", {}), 403),
  viaSdk("unknown tool", call("no_such_tool", {})),
  direct1("tool that may ask the client", call("create_order", { sku: "s" })),
  direct1("tool that asks a client that declared nothing", call("create_order", { sku: "big" })),
  viaSdk(
    "tool that asks a client that can be asked",
    call("create_order", { sku: "big" }, { meta: { ...META, [CAPABILITIES_KEY]: { elicitation: {} } } }),
  ),
  viaSdk("progress token", withMeta({ progressToken: "t" })),
  viaSdk("Mcp-Name differs from the body", getA(), { "mcp-name": "bad_output" }),
  viaSdk("Mcp-Name missing", getA(), { "mcp-name": undefined }),
  viaSdk("Mcp-Method differs", getA(), { "mcp-method": "tools/list" }),
  viaSdk("Mcp-Method missing", getA(), { "mcp-method": undefined }),
  viaSdk("protocol header missing", getA(), { "mcp-protocol-version": undefined }),
  viaSdk("protocol header differs from _meta", getA(), { "mcp-protocol-version": "2025-11-25" }),
  viaSdk("unsupported revision", withMeta({ [VERSION_KEY]: "2099-01-01" }), {
    "mcp-protocol-version": "2099-01-01",
  }),
  viaSdk(
    "envelope without clientInfo",
    getA({ meta: { [VERSION_KEY]: "2026-07-28", [CAPABILITIES_KEY]: {} } }),
  ),
  viaSdk("clientInfo without version", withMeta({ [INFO_KEY]: { name: "x" } })),
  viaSdk("clientCapabilities not an object", withMeta({ [CAPABILITIES_KEY]: "all" })),
  viaSdk("client declares capabilities", withMeta({ [CAPABILITIES_KEY]: { elicitation: {} } })),
  viaSdk("tool name that is not a string", {
    ...(call("x", {}) as object),
    params: { name: 7, _meta: META },
  }),
  viaSdk("extra top-level key", { ...(getA() as object), extra: true }),
  viaSdk("wrong jsonrpc version", { ...(getA() as object), jsonrpc: "1.0" }),
  { ...direct1("Accept: application/json only", getA()), headers: { accept: "application/json" } },
  viaSdk("content type the SDK does not take for JSON", getA(), { "content-type": "application/json-seq" }),
];

describe("direct path and SDK path answer alike", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const text = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
      const { direct, sdk } = copies;
      const before = direct.service.parts.endpoint.directCallCount;
      const viaDirect = await send(direct, text, headersFor(JSON.parse(text), c.headers));
      const served = direct.service.parts.endpoint.directCallCount - before;
      const viaSdk = await send(sdk, text, headersFor(JSON.parse(text), c.headers));
      expect(viaDirect).toEqual(viaSdk);
      expect(served).toBe(c.directly ? 1 : 0);
      if (c.status !== undefined) expect(viaDirect.status).toBe(c.status);
      expect(sdk.service.parts.endpoint.directCallCount).toBe(0);
    });
  }
});

test("the real SDK v2 client gets the same results on both copies, the direct one without the SDK's entry", async () => {
  const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
  const results: unknown[] = [];
  const { direct, sdk } = copies;
  for (const copy of [direct, sdk]) {
    const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
      request.headers.set("host", "127.0.0.1");
      request.headers.set("authorization", `Bearer ${KEY}`);
      return copy.app.handle(request);
    };
    const client = new Client(
      { name: "retail-mcp-capture", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL("http://127.0.0.1/mcp"), { fetch }));
    const before = copy.service.parts.endpoint.directCallCount;
    results.push([
      await client.callTool({ name: "get_product", arguments: { product_id: "p001" } }),
      await client.callTool({ name: "get_product", arguments: { product_id: "missing" } }),
      await client.callTool({ name: "get_product", arguments: { product_id: 1 } }),
      await client.callTool({ name: "bad_output", arguments: {} }),
    ]);
    expect(copy.service.parts.endpoint.directCallCount - before).toBe(copy === direct ? 4 : 0);
    await client.close();
  }
  expect(results[0]).toEqual(results[1]);
  expect((results[0] as [{ structuredContent: unknown }])[0].structuredContent).toEqual({
    id: "p001",
    name: "Product p001 ✓ 製品",
  });
});

test("a tool that asks: a client that declared nothing is told so, one that can be asked gets the question", async () => {
  const big = (capabilities: unknown): string =>
    JSON.stringify(
      call("create_order", { sku: "big" }, { meta: { ...META, [CAPABILITIES_KEY]: capabilities } }),
    );
  const told = await send(copies.direct, big({}), headersFor(JSON.parse(big({}))));
  expect(told.body).toMatchObject({
    result: { isError: true, content: [{ type: "text", text: "Not confirmed (cannot-ask)." }] },
  });
  const asked = await send(copies.direct, big({ elicitation: {} }), headersFor(JSON.parse(big({}))));
  expect(asked.body).toMatchObject({
    result: { resultType: "input_required", inputRequests: { confirm: { method: "elicitation/create" } } },
  });
});
