/**
 * The direct path answers exactly what the SDK's entry answers. Two copies of one app (real SQLite,
 * real API-key auth, the real SDK and the kit's registerTool), one with the direct path and one
 * without (assembleService's directCalls: false), get the same requests; status, content type, the
 * headers a client reads and the body must be equal. Each case also says which path it must take on
 * the first copy, so a shape that silently stops being served directly shows up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { buildApp, type KitApp } from "../../app/build.ts";
import { type AssembledService, assembleService } from "../../app/start.ts";
import { type KitConfig, kitConfigShape, parseConfig } from "../../config.ts";
import { DomainError } from "../../errors.ts";
import { createLogger } from "../../log.ts";
import { noMetrics } from "../../metrics.ts";
import type { ServiceDefinition } from "../../service.ts";
import { READ_ONLY_TOOL, registerTool } from "../tools.ts";

const KEY = "rmcp_alice_dev_key_0123456789";
const dir = mkdtempSync(join(tmpdir(), "kit-direct-calls-"));

const definition: ServiceDefinition<KitConfig> = {
  info: { name: "direct-test", version: "1.0.0", description: "direct path against the SDK's" },
  migrations: [],
  setup: async ({ log, metrics }) => ({
    createMcpServer: () => {
      const server = new McpServer({ name: "direct-test", version: "1.0.0" });
      const kit = { log, metrics };
      registerTool(server, kit, {
        name: "get_product",
        title: "Get product",
        description: "Reads one product; a missing one is a domain error",
        input: { product_id: z.string().max(100_000) },
        output: { id: z.string(), name: z.string() },
        annotations: READ_ONLY_TOOL,
        scope: "products:read",
        handler: async ({ product_id }, call) => {
          await call.progress(1, 1);
          if (product_id === "missing") throw new DomainError("not_found", `No product ${product_id}.`);
          if (product_id === "crash") throw new Error("secret internals");
          return { id: product_id, name: `Product ${product_id} ✓ 製品` };
        },
      });
      registerTool(server, kit, {
        name: "bad_output",
        title: "Bad output",
        description: "Returns what its output schema refuses",
        input: {},
        output: { count: z.number() },
        annotations: READ_ONLY_TOOL,
        scope: "products:read",
        handler: async () => ({ count: "many" }) as unknown as { count: number },
      });
      registerTool(server, kit, {
        name: "unscoped",
        title: "Unscoped",
        description: "Has no scope: refused to every caller with a key",
        input: {},
        output: { ok: z.boolean() },
        annotations: READ_ONLY_TOOL,
        handler: async () => ({ ok: true }),
      });
      registerTool(server, kit, {
        name: "create_order",
        title: "Create order",
        description: "Writes (and so may ask the client): served by the SDK",
        input: { sku: z.string() },
        output: { done: z.boolean() },
        annotations: { ...READ_ONLY_TOOL, readOnlyHint: false },
        scope: "orders:write",
        handler: async () => ({ done: true }),
      });
      return server;
    },
  }),
};

interface Copy {
  service: AssembledService;
  app: KitApp;
}
let direct: Copy;
let sdk: Copy;

async function start(name: string, directCalls: boolean): Promise<Copy> {
  const parsed = parseConfig(z.object(kitConfigShape), {
    DATABASE_URL: `sqlite://${join(dir, `${name}.sqlite`)}`,
    AUTH_MODE: "api-key",
    API_KEYS: `alice=${KEY}`,
    PORT: "0",
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const log = createLogger("error", {}, () => undefined);
  const service = await assembleService(definition, parsed.config, log, noMetrics, () => undefined, {
    directCalls,
  });
  return { service, app: buildApp(service.parts) };
}

beforeAll(async () => {
  direct = await start("direct", true);
  sdk = await start("sdk", false);
});

afterAll(async () => {
  for (const copy of [direct, sdk]) {
    await copy.service.parts.endpoint.closeAll();
    await copy.service.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

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

interface Seen {
  status: number;
  contentType: string | null;
  wwwAuthenticate: string | null;
  sessionId: string | null;
  body: unknown;
}

async function send(copy: Copy, body: string, headers: Headers): Promise<Seen> {
  const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers, body });
  const answer = await copy.app.handle(request);
  // Each request gets its own request id, which an unexpected error's message names: the one
  // difference allowed between the copies, and only in that place.
  const text = (await answer.text()).replace(/\(request id [0-9a-f-]{36}\)/g, "(request id …)");
  const contentType = answer.headers.get("content-type");
  return {
    status: answer.status,
    contentType,
    wwwAuthenticate: answer.headers.get("www-authenticate"),
    sessionId: answer.headers.get("mcp-session-id"),
    body: contentType?.startsWith("application/json") ? JSON.parse(text) : text,
  };
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
  viaSdk("tool that may ask the client", call("create_order", { sku: "s" })),
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
];

describe("direct path and SDK path answer alike", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const text = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
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
