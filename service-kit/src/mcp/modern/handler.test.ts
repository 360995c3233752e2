import { expect, test } from "bun:test";
import { type AuthInfo, classifyInboundRequest, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Principal } from "../../auth/principal.ts";
import { createLogger } from "../../log.ts";
import { isModernRequest, ModernLeg } from "./handler.ts";

const alice: Principal = { id: "alice", scopes: [], via: "api-key" };
const bob: Principal = { id: "bob", scopes: [], via: "api-key" };

function leg(): { leg: ModernLeg; built: string[]; release: () => void } {
  const built: string[] = [];
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const modern = new ModernLeg({
    log: createLogger("error", {}, () => undefined),
    keepAliveMs: 10_000,
    maxBodyBytes: 1 << 20,
    build: (principal) => {
      built.push(principal.id);
      const server = new McpServer({ name: "t", version: "1" });
      server.registerTool("who", { inputSchema: z.object({}) }, async () => ({
        content: [{ type: "text", text: JSON.stringify(server.server.getClientCapabilities() ?? null) }],
      }));
      server.registerTool("slow", { inputSchema: z.object({}) }, async () => {
        await gate;
        return { content: [{ type: "text", text: "slow done" }] };
      });
      return server;
    },
  });
  return { leg: modern, built, release };
}

function call(tool: string, capabilities: Record<string, unknown> = {}): { request: Request; body: unknown } {
  const body = {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: {
      name: tool,
      arguments: {},
      _meta: {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
      },
    },
  };
  const request = new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": tool,
    },
    body: JSON.stringify(body),
  });
  return { request, body };
}

async function answer(modern: ModernLeg, principal: Principal, tool: string, caps = {}): Promise<string> {
  const { request, body } = call(tool, caps);
  const authInfo: AuthInfo = { token: "", clientId: principal.id, scopes: [] };
  const response = await modern.handle(request, body, modern.acquire(principal), authInfo);
  const json = (await response.json()) as { result: { content: { text: string }[] } };
  return json.result.content[0]?.text ?? "";
}

test("modern requests are told apart from 2025 traffic by their _meta claim", () => {
  const { request, body } = call("who");
  expect(isModernRequest(request, body)).toBe(true);
  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: {} };
  expect(isModernRequest(new Request("http://127.0.0.1/mcp", { method: "POST" }), initialize)).toBe(false);
  const plain = { jsonrpc: "2.0", id: 2, method: "tools/list" };
  expect(isModernRequest(new Request("http://127.0.0.1/mcp", { method: "POST" }), plain)).toBe(false);
});

test("the shortcut routes exactly as the SDK's classifier, on real and odd requests alike", () => {
  const envelope = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };
  const bodies: unknown[] = [
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "who", arguments: {} } },
    { jsonrpc: "2.0", id: "a", method: "initialize", params: { protocolVersion: "2025-11-25" } },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "who", _meta: envelope } },
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "who", _meta: { progressToken: 1 } } },
    { jsonrpc: "2.0", id: 1, result: {} },
    { jsonrpc: "2.0", id: 1, error: { code: 1, message: "x" } },
    { jsonrpc: "2.0", id: 1.5, method: "ping" },
    { jsonrpc: "2.0", id: {}, method: "ping" },
    { jsonrpc: "1.0", id: 1, method: "ping" },
    { jsonrpc: "2.0", id: 1, method: "ping", params: "x" },
    { jsonrpc: "2.0", id: 1, method: "ping", extra: true },
    { id: 1, method: "ping" },
    "ping",
    null,
  ];
  const headerSets: Record<string, string>[] = [
    {},
    { "mcp-protocol-version": "2025-11-25" },
    { "mcp-protocol-version": " 2026-07-28 " },
    { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "who" },
    { "mcp-protocol-version": "2030-01-01" },
    { "mcp-protocol-version": "1999-01-01" },
  ];
  for (const body of bodies) {
    for (const headers of headerSets) {
      const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers });
      const sdk = classifyInboundRequest({
        httpMethod: "POST",
        protocolVersionHeader: headers["mcp-protocol-version"],
        mcpMethodHeader: headers["mcp-method"],
        mcpNameHeader: headers["mcp-name"],
        body,
      });
      expect({ body, headers, modern: isModernRequest(request, body) }).toEqual({
        body,
        headers,
        modern: sdk.kind !== "legacy",
      });
    }
  }
});

test("a caller's server serves its next request; each request sees only its own declared capabilities", async () => {
  const { leg: modern, built } = leg();
  expect(await answer(modern, alice, "who", { elicitation: {} })).toBe('{"elicitation":{}}');
  expect(await answer(modern, alice, "who", {})).toBe("{}");
  expect(built).toEqual(["alice"]);
  // Another caller never gets alice's server.
  await answer(modern, bob, "who");
  expect(built).toEqual(["alice", "bob"]);
  await modern.close();
});

test("a server still answering is never handed to a second request", async () => {
  const { leg: modern, built, release } = leg();
  const slow = answer(modern, alice, "slow");
  await Bun.sleep(20);
  expect(await answer(modern, alice, "who")).toBe("{}");
  expect(built).toEqual(["alice", "alice"]);
  release();
  expect(await slow).toBe("slow done");
  // Both are idle again: two more requests build nothing.
  await answer(modern, alice, "who");
  await answer(modern, alice, "who");
  expect(built).toHaveLength(2);
  await modern.close();
});
