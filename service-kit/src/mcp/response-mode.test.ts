/**
 * JSON or SSE, as real clients ask (Accept: application/json, text/event-stream), on the app as
 * start.ts builds it, driven in-process: a real SQLite database, real API-key auth, the real SDK, and
 * the kit's own registerTool. A call that sends nothing before its result is answered in JSON in both
 * eras; a call that may (progress asked for, a tool that may ask the client) keeps its SSE stream; and
 * a 2025 session stores events only for the streams it can resume.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { buildApp, type KitApp } from "../app/build.ts";
import { type AssembledService, assembleService } from "../app/start.ts";
import { type KitConfig, kitConfigShape, parseConfig } from "../config.ts";
import { createLogger } from "../log.ts";
import { noMetrics } from "../metrics.ts";
import type { ServiceDefinition } from "../service.ts";
import { READ_ONLY_TOOL, registerTool } from "./tools.ts";

const KEY = "rmcp_alice_dev_key_0123456789";
const dir = mkdtempSync(join(tmpdir(), "kit-response-mode-"));
let service: AssembledService;
let app: KitApp;

const definition: ServiceDefinition<KitConfig> = {
  info: { name: "mode-test", version: "1.0.0", description: "JSON or SSE per call" },
  migrations: [],
  setup: async ({ log, metrics }) => ({
    createMcpServer: () => {
      const server = new McpServer({ name: "mode-test", version: "1.0.0" });
      const kit = { log, metrics };
      registerTool(server, kit, {
        name: "lookup",
        title: "Lookup",
        description: "Reads; reports progress when asked",
        input: { key: z.string() },
        output: { value: z.string() },
        annotations: READ_ONLY_TOOL,
        scope: "products:read",
        handler: async ({ key }, call) => {
          await call.progress(1, 2);
          await call.progress(2, 2);
          return { value: `value of ${key}` };
        },
      });
      registerTool(server, kit, {
        name: "change",
        title: "Change",
        description: "Changes something (and so may ask the client first)",
        input: {},
        output: { done: z.boolean() },
        annotations: { ...READ_ONLY_TOOL, readOnlyHint: false },
        scope: "orders:write",
        handler: async () => ({ done: true }),
      });
      return server;
    },
  }),
};

function config(): KitConfig {
  const parsed = parseConfig(z.object(kitConfigShape), {
    DATABASE_URL: `sqlite://${join(dir, "mode.sqlite")}`,
    AUTH_MODE: "api-key",
    API_KEYS: `alice=${KEY}`,
    PORT: "0",
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.config;
}

// Every SDK client and mcp-remote send both types.
const BOTH = {
  host: "127.0.0.1",
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  authorization: `Bearer ${KEY}`,
};
const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

const post = (body: unknown, headers: Record<string, string>): Promise<Response> =>
  app.handle(new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: JSON.stringify(body) }));

function lookup(id: number, meta?: Record<string, unknown>): unknown {
  const params = { name: "lookup", arguments: { key: "k" }, ...(meta ? { _meta: meta } : {}) };
  return { jsonrpc: "2.0", id, method: "tools/call", params };
}

async function openSession(capabilities: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const init = await post(
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities, clientInfo: { name: "t", version: "1" } },
    },
    BOTH,
  );
  const session = init.headers.get("mcp-session-id");
  if (!session) throw new Error(`initialize opened no session: ${await init.text()}`);
  await init.text();
  const headers = { ...BOTH, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
  const initialized = await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers);
  expect(initialized.status).toBe(202);
  return headers;
}

beforeAll(async () => {
  const log = createLogger("error", {}, () => undefined);
  service = await assembleService(definition, config(), log, noMetrics, () => undefined);
  app = buildApp(service.parts);
});

afterAll(async () => {
  await service.parts.endpoint.closeAll();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a call that sends nothing before its result, with both Accept types", () => {
  const eras: [string, () => Promise<Response>][] = [
    [
      "2026-07-28",
      () =>
        post(lookup(1, MODERN_META), {
          ...BOTH,
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "lookup",
        }),
    ],
    ["2025-11-25 session", async () => post(lookup(1), await openSession())],
    ["2025 stateless", () => post(lookup(1), { ...BOTH, "mcp-protocol-version": "2025-11-25" })],
  ];
  for (const [era, send] of eras) {
    test(`${era}: answered as application/json`, async () => {
      const answer = await send();
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toStartWith("application/json");
      const body = (await answer.json()) as { id: number; result: { structuredContent: unknown } };
      expect(body.id).toBe(1);
      expect(body.result.structuredContent).toEqual({ value: "value of k" });
    });
  }
});

describe("a call that needs a stream keeps SSE", () => {
  const progressSteps = (text: string): number => text.split('"notifications/progress"').length - 1;

  test("2025 session and stateless: a progress token gets its progress, then the result", async () => {
    for (const headers of [await openSession(), { ...BOTH, "mcp-protocol-version": "2025-11-25" }]) {
      const answer = await post(lookup(2, { progressToken: "t" }), headers);
      expect(answer.headers.get("content-type")).toStartWith("text/event-stream");
      const text = await answer.text();
      expect(progressSteps(text)).toBe(2);
      expect(text).toContain("value of k");
    }
  });

  test("2026-07-28: a progress token upgrades the answer to SSE", async () => {
    const answer = await post(lookup(2, { ...MODERN_META, progressToken: "t" }), {
      ...BOTH,
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "lookup",
    });
    expect(answer.headers.get("content-type")).toStartWith("text/event-stream");
    const text = await answer.text();
    expect(progressSteps(text)).toBe(2);
    expect(text).toContain("value of k");
  });

  test("2025 session whose client can elicit: a tool that may ask it is answered on a stream", async () => {
    const answer = await post(
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "change", arguments: {} } },
      await openSession({ elicitation: {} }),
    );
    expect(answer.headers.get("content-type")).toStartWith("text/event-stream");
    expect(await answer.text()).toContain('"done":true');
  });
});

test("a tool that may ask, for a client that cannot be asked (no elicitation declared, or stateless): JSON", async () => {
  const change = { jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "change", arguments: {} } };
  for (const headers of [await openSession(), { ...BOTH, "mcp-protocol-version": "2025-11-25" }]) {
    const answer = await post(change, headers);
    expect(answer.headers.get("content-type")).toStartWith("application/json");
    expect(
      ((await answer.json()) as { result: { structuredContent: unknown } }).result.structuredContent,
    ).toEqual({
      done: true,
    });
  }
});

test("a 2025 session stores events for its SSE streams only, not for JSON answers", async () => {
  const headers = await openSession();
  const before = await service.events.count();
  const json = await post(lookup(4), headers);
  expect(json.headers.get("content-type")).toStartWith("application/json");
  await json.text();
  expect(await service.events.count()).toBe(before);
  const sse = await post(lookup(5, { progressToken: "t" }), headers);
  expect(sse.headers.get("content-type")).toStartWith("text/event-stream");
  await sse.text();
  // The priming event, two progress notifications and the result: what a resume replays.
  expect(await service.events.count()).toBe(before + 4);
});

describe("the real SDK clients, as they send a tools/call", () => {
  interface Seen {
    headers: Record<string, string>;
    body: string;
    contentType: string | null;
  }
  /** A fetch that serves the app in-process and records what the client sent and got. */
  const recordingFetch = (seen: Seen[]) => async (input: string | URL | Request, init?: RequestInit) => {
    const request = input instanceof Request ? new Request(input, init) : new Request(String(input), init);
    request.headers.set("host", "127.0.0.1");
    request.headers.set("authorization", `Bearer ${KEY}`);
    const body = request.method === "POST" ? await request.clone().text() : "";
    const answer = await app.handle(request);
    seen.push({
      headers: Object.fromEntries(request.headers),
      body,
      contentType: answer.headers.get("content-type"),
    });
    return answer;
  };
  const toolCalls = (seen: Seen[]): Seen[] => seen.filter((entry) => entry.body.includes('"tools/call"'));

  test("SDK v2 client pinned to 2026-07-28: both Accept types, the Mcp-* headers and _meta; a JSON answer", async () => {
    const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
    const seen: Seen[] = [];
    const client = new Client(
      { name: "bench", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL("http://127.0.0.1/mcp"), { fetch: recordingFetch(seen) }),
    );
    const result = await client.callTool({ name: "lookup", arguments: { key: "k" } });
    expect(result.structuredContent).toEqual({ value: "value of k" });
    await client.close();
    const [call] = toolCalls(seen);
    // What bench/ab.ts sends as modern-v2.
    expect(call?.headers).toMatchObject({
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-method": "tools/call",
      "mcp-name": "lookup",
      "mcp-protocol-version": "2026-07-28",
    });
    expect(Object.keys(JSON.parse(call?.body ?? "{}").params._meta)).toEqual([
      "io.modelcontextprotocol/protocolVersion",
      "io.modelcontextprotocol/clientInfo",
      "io.modelcontextprotocol/clientCapabilities",
    ]);
    expect(call?.contentType).toStartWith("application/json");
  });

  test("SDK v1 client (2025-11-25 session): both Accept types, session id and revision headers; a JSON answer", async () => {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { StreamableHTTPClientTransport } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    const seen: Seen[] = [];
    const client = new Client({ name: "bench", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("http://127.0.0.1/mcp"), { fetch: recordingFetch(seen) }),
    );
    const result = await client.callTool({ name: "lookup", arguments: { key: "k" } });
    expect(result.structuredContent).toEqual({ value: "value of k" });
    await client.close();
    const [call] = toolCalls(seen);
    // What bench/ab.ts sends as session-2025 (its ids are unique strings instead of counting numbers).
    expect(call?.headers).toMatchObject({
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-protocol-version": "2025-11-25",
    });
    expect(call?.headers["mcp-session-id"]).toBeString();
    expect(JSON.parse(call?.body ?? "{}").params).toEqual({ name: "lookup", arguments: { key: "k" } });
    expect(call?.contentType).toStartWith("application/json");
  });
});
