/**
 * The direct path answers a plain tools/call in a 2025 session exactly as the session's own transport
 * does. Each copy of the app (differential-support.ts) opens a session the way the SDK v1 client does
 * (its captured initialize and notifications/initialized), then gets the same requests; status,
 * content type, the headers a client reads and the body must be equal. The session ids differ by
 * nature: each answer's Mcp-Session-Id must be its own copy's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Copies, type Copy, KEY, send, startCopies } from "./differential-support.ts";

interface Captured {
  headers: [string, string][];
  body: string;
}
const captured = JSON.parse(
  readFileSync(join(import.meta.dir, "../../../../bench/requests/sdk-v1.json"), "utf8"),
) as { connect: Captured[]; calls: Record<string, Captured> };
function capturedEntry(entry: Captured | undefined, what: string): Captured {
  if (!entry) throw new Error(`bench/requests/sdk-v1.json has no ${what}`);
  return entry;
}
const CAPTURED_CALL = capturedEntry(captured.calls.get_product, "get_product call");
const INITIALIZE = capturedEntry(captured.connect[0], "initialize");
const INITIALIZED = capturedEntry(captured.connect[1], "notifications/initialized");

/** The client's headers as captured, for this test's app and session. */
function clientHeaders(entry: Captured, session?: string): Headers {
  const headers = new Headers(entry.headers.filter(([name]) => name !== "content-length"));
  headers.set("host", "127.0.0.1");
  headers.set("authorization", `Bearer ${KEY}`);
  if (session) headers.set("mcp-session-id", session);
  return headers;
}

async function openSession(copy: Copy): Promise<string> {
  const init = await send(copy, INITIALIZE.body, clientHeaders(INITIALIZE));
  if (!init.sessionId) throw new Error(`initialize opened no session: ${JSON.stringify(init.body)}`);
  const done = await send(copy, INITIALIZED.body, clientHeaders(INITIALIZED, init.sessionId));
  expect(done.status).toBe(202);
  return init.sessionId;
}

let copies: Copies;
const sessions = new Map<Copy, string>();
beforeAll(async () => {
  copies = await startCopies();
  for (const copy of [copies.direct, copies.sdk]) sessions.set(copy, await openSession(copy));
});
afterAll(() => copies.close());

interface Case {
  name: string;
  body: unknown;
  headers?: Record<string, string | undefined>;
  directly: boolean;
  status?: number;
}

const call = (name: string, args: unknown, id: unknown = 1): unknown => ({
  method: "tools/call",
  params: args === undefined ? { name } : { name, arguments: args },
  jsonrpc: "2.0",
  id,
});
const getA = (id: unknown = 1): unknown => call("get_product", { product_id: "a" }, id);
const direct1 = (name: string, body: unknown, headers?: Case["headers"]): Case => ({
  name,
  body,
  directly: true,
  ...(headers ? { headers } : {}),
});
const viaSdk = (name: string, body: unknown, headers?: Case["headers"]): Case => ({
  name,
  body,
  directly: false,
  ...(headers ? { headers } : {}),
});

const cases: Case[] = [
  { ...direct1("the SDK v1 client's get_product, byte for byte", CAPTURED_CALL.body), status: 200 },
  direct1("string id", getA("req-ü-1")),
  direct1("unicode arguments", call("get_product", { product_id: "ñ😀\u0000" })),
  direct1("huge id argument", call("get_product", { product_id: "x".repeat(90_000) })),
  direct1("wrong argument type", call("get_product", { product_id: 5 })),
  direct1("domain error", call("get_product", { product_id: "missing" })),
  direct1("unexpected error", call("get_product", { product_id: "crash" })),
  direct1("output its schema refuses", call("bad_output", {})),
  { ...direct1("tool the caller lacks the scope for", call("unscoped", {})), status: 403 },
  direct1("no protocol header", getA(), { "mcp-protocol-version": undefined }),
  direct1("an older protocol header", getA(), { "mcp-protocol-version": "2025-06-18" }),
  direct1("Accept: application/json only", getA(), { accept: "application/json" }),
  viaSdk("unsupported protocol header", getA(), { "mcp-protocol-version": "1999-01-01" }),
  viaSdk("unknown tool", call("no_such_tool", {})),
  direct1("tool that may ask the client", call("create_order", { sku: "s" })),
  direct1("tool that asks a client that declared nothing", call("create_order", { sku: "big" })),
  viaSdk("no arguments", call("get_product", undefined)),
  viaSdk("_meta without a progress token", {
    ...(getA() as object),
    params: { name: "get_product", arguments: { product_id: "a" }, _meta: {} },
  }),
  viaSdk("request id past 2^53", getA(2 ** 53 + 2)),
  viaSdk("content type the SDK does not take for JSON", getA(), { "content-type": "application/json-seq" }),
  { ...viaSdk("unknown session", getA(), { "mcp-session-id": "no-such-session" }), status: 404 },
];

async function sendBoth(
  text: string,
  headers: Case["headers"] = {},
): Promise<{ direct: unknown; sdk: unknown; served: number }> {
  const { direct, sdk } = copies;
  const seen = [];
  const before = direct.service.parts.endpoint.directCallCount;
  for (const copy of [direct, sdk]) {
    const session = sessions.get(copy) ?? "";
    const all = clientHeaders(CAPTURED_CALL, session);
    for (const [key, value] of Object.entries(headers)) {
      if (value === undefined) all.delete(key);
      else all.set(key, value);
    }
    const answer = await send(copy, text, all);
    // Each answer names its own copy's session, and SSE events (of the calls the SDK serves on both)
    // carry random event ids: the expected differences.
    if (answer.sessionId !== null) expect(answer.sessionId).toBe(session);
    const body = typeof answer.body === "string" ? answer.body.replace(/^id: .*$/gm, "id: …") : answer.body;
    seen.push({ ...answer, body, sessionId: answer.sessionId === null ? null : "(own session)" });
  }
  const served = direct.service.parts.endpoint.directCallCount - before;
  return { direct: seen[0], sdk: seen[1], served };
}

describe("in a 2025 session, the direct path and the session's transport answer alike", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const text = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
      const { direct, sdk, served } = await sendBoth(text, c.headers);
      expect(direct).toEqual(sdk);
      expect(served).toBe(c.directly ? 1 : 0);
      if (c.status !== undefined) expect((direct as { status: number }).status).toBe(c.status);
      expect(copies.sdk.service.parts.endpoint.directCallCount).toBe(0);
    });
  }
});

test("a session ended with DELETE is not found on either copy, the direct one included", async () => {
  const session = await openSession(copies.direct);
  const other = await openSession(copies.sdk);
  for (const [copy, id] of [
    [copies.direct, session],
    [copies.sdk, other],
  ] as const) {
    const headers = clientHeaders(CAPTURED_CALL, id);
    const ended = await copy.app.handle(new Request("http://127.0.0.1/mcp", { method: "DELETE", headers }));
    expect(ended.status).toBe(200);
    const answer = await send(copy, CAPTURED_CALL.body, headers);
    expect(answer.status).toBe(404);
  }
});

test("the real SDK v1 client gets the same results on both copies, the direct one without the session's transport", async () => {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StreamableHTTPClientTransport } = await import(
    "@modelcontextprotocol/sdk/client/streamableHttp.js"
  );
  const results: unknown[] = [];
  for (const copy of [copies.direct, copies.sdk]) {
    const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
      request.headers.set("host", "127.0.0.1");
      request.headers.set("authorization", `Bearer ${KEY}`);
      return copy.app.handle(request);
    };
    const client = new Client({ name: "retail-mcp-capture", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL("http://127.0.0.1/mcp"), { fetch }));
    const before = copy.service.parts.endpoint.directCallCount;
    results.push([
      await client.callTool({ name: "get_product", arguments: { product_id: "p001" } }),
      await client.callTool({ name: "get_product", arguments: { product_id: "missing" } }),
      await client.callTool({ name: "bad_output", arguments: {} }),
    ]);
    expect(copy.service.parts.endpoint.directCallCount - before).toBe(copy === copies.direct ? 3 : 0);
    await client.close();
  }
  expect(results[0]).toEqual(results[1]);
  expect((results[0] as [{ structuredContent: unknown }])[0].structuredContent).toMatchObject({ id: "p001" });
});
