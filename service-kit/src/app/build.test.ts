/**
 * The app as start.ts builds it, driven in-process with app.handle(): a real SQLite database in a
 * temp dir, real auth (API keys), the real MCP SDK behind the endpoint; nothing listens.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { type KitConfig, kitConfigShape, parseConfig } from "../config.ts";
import { createLogger, type LogFields } from "../log.ts";
import { noMetrics } from "../metrics.ts";
import type { ServiceDefinition } from "../service.ts";
import { buildApp, type KitApp } from "./build.ts";
import { type AssembledService, assembleService } from "./start.ts";

const KEY = "rmcp_alice_dev_key_0123456789";
const dir = mkdtempSync(join(tmpdir(), "kit-app-"));
const lines: LogFields[] = [];
let service: AssembledService;
let app: KitApp;

const definition: ServiceDefinition<KitConfig> = {
  info: { name: "app-test", version: "1.0.0", description: "in-process app test" },
  migrations: [],
  setup: async () => ({
    createMcpServer: () => {
      const server = new McpServer({ name: "app-test", version: "1.0.0" });
      server.registerTool("ping", { description: "answers pong" }, async () => ({
        content: [{ type: "text", text: "pong" }],
      }));
      return server;
    },
  }),
};

function config(): KitConfig {
  const parsed = parseConfig(z.object(kitConfigShape), {
    DATABASE_URL: `sqlite://${join(dir, "app.sqlite")}`,
    AUTH_MODE: "api-key",
    API_KEYS: `alice=${KEY}`,
    MAX_BODY_BYTES: "4096",
    ALLOWED_ORIGINS: "https://app.example",
    // Never bound: the app is driven with app.handle().
    PORT: "0",
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.config;
}

const url = "http://127.0.0.1/mcp";
// As a client over the network sends it: the guard checks Host, and a bare Request has none.
const json = {
  host: "127.0.0.1",
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const authorized = { ...json, authorization: `Bearer ${KEY}` };
const post = (body: unknown, headers: Record<string, string> = authorized): Request =>
  new Request(url, { method: "POST", headers, body: JSON.stringify(body) });

beforeAll(async () => {
  const log = createLogger("info", {}, (line) => lines.push(JSON.parse(line) as LogFields));
  service = await assembleService(definition, config(), log, noMetrics, () => undefined);
  app = buildApp(service.parts);
});

afterAll(async () => {
  await service.parts.endpoint.closeAll();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("buildApp, in-process", () => {
  test("a foreign Origin is refused with 403, even with a valid key", async () => {
    const answer = await app.handle(
      post({ jsonrpc: "2.0", id: 1, method: "ping" }, { ...authorized, origin: "https://evil.example" }),
    );
    expect(answer.status).toBe(403);
    expect(answer.headers.get("x-request-id")).toBeString();
  });

  test("no credentials: 401 with a Bearer challenge", async () => {
    const answer = await app.handle(post({ jsonrpc: "2.0", id: 1, method: "ping" }, json));
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toStartWith("Bearer");
  });

  test("a body declared over MAX_BODY_BYTES: 413 before the guard runs", async () => {
    const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(5000) } });
    const answer = await app.handle(
      new Request(url, {
        method: "POST",
        headers: { ...json, "content-length": String(big.length) },
        body: big,
      }),
    );
    expect(answer.status).toBe(413);
    expect(await answer.text()).toContain("the limit is 4096 bytes");
  });

  test("/health answers 200 without credentials, with a request id; unknown paths 404 naming the endpoint", async () => {
    const health = await app.handle(new Request("http://127.0.0.1/health"));
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toBeString();
    expect(((await health.json()) as { service: string }).service).toBe("app-test");
    const missing = await app.handle(new Request("http://127.0.0.1/nope"));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("The MCP endpoint is /mcp");
  });

  test("an allowed Origin gets CORS headers on answers; its preflight is answered bare (no request id)", async () => {
    const origin = "https://app.example";
    const refused = await app.handle(post({ jsonrpc: "2.0", id: 1, method: "ping" }, { ...json, origin }));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(origin);
    const preflight = await app.handle(
      new Request(url, { method: "OPTIONS", headers: { host: "127.0.0.1", origin } }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("x-request-id")).toBeNull();
  });

  test("a modern server/discover is answered by the 2026-07-28 leg", async () => {
    const discover = {
      jsonrpc: "2.0",
      id: 1,
      method: "server/discover",
      params: {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    };
    const answer = await app.handle(
      post(discover, {
        ...authorized,
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "server/discover",
      }),
    );
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { result: { supportedVersions: string[] } };
    expect(body.result.supportedVersions).toContain("2026-07-28");
  });

  test("a legacy initialize opens a session; its tools/call is answered and logged with the principal", async () => {
    const init = await app.handle(
      post(
        {
          jsonrpc: "2.0",
          id: 0,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          },
        },
        { ...authorized, accept: "application/json" },
      ),
    );
    expect(init.status).toBe(200);
    const session = init.headers.get("mcp-session-id") as string;
    expect(session).toBeString();
    expect(((await init.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(
      "2025-11-25",
    );
    const headers = { ...authorized, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" };
    const call = await app.handle(
      post(
        { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "ping", arguments: {} } },
        {
          ...headers,
          accept: "application/json",
        },
      ),
    );
    expect(await call.text()).toContain("pong");
    const logged = lines.find((line) => line.tool === "ping");
    expect(logged).toMatchObject({ status: 200, principal: "alice", httpMethod: "POST" });
  });
});
