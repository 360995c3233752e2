import { describe, expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Principal } from "../auth/principal.ts";
import { leavesNoState, StatelessServerPool } from "./server-pool.ts";

const alice: Principal = { id: "alice", scopes: [], via: "api-key" };
const bob: Principal = { id: "bob", scopes: [], via: "api-key" };

function counting(): { pool: StatelessServerPool; built: () => number } {
  let built = 0;
  const pool = new StatelessServerPool(() => {
    built++;
    const server = new McpServer({ name: "pool-test", version: "1.0.0" });
    server.registerTool("echo", { inputSchema: {} }, async () => ({
      content: [{ type: "text", text: "ok" }],
    }));
    return server;
  }, 2);
  return { pool, built: () => built };
}

async function callEcho(server: McpServer): Promise<string> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const body = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: {} } };
  const response = await transport.handleRequest(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(body),
    }),
    { parsedBody: body },
  );
  await transport.close();
  return response.text();
}

describe("StatelessServerPool", () => {
  test("a released server answers again on a new transport, without being built again", async () => {
    const { pool, built } = counting();
    const first = pool.acquire(alice);
    expect(await callEcho(first)).toContain('"text":"ok"');
    pool.release(alice, first);
    const second = pool.acquire(alice);
    expect(second).toBe(first);
    expect(await callEcho(second)).toContain('"id":7');
    expect(built()).toBe(1);
  });

  test("servers are not shared between principals", () => {
    const { pool, built } = counting();
    const server = pool.acquire(alice);
    pool.release(alice, server);
    expect(pool.acquire(bob)).not.toBe(server);
    expect(built()).toBe(2);
  });

  test("a server still connected is not taken back, and the idle count is bounded", async () => {
    const { pool } = counting();
    const connected = pool.acquire(alice);
    await connected.connect(new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined }));
    pool.release(alice, connected);
    expect(pool.size).toBe(0);
    for (const server of [pool.acquire(alice), pool.acquire(alice), pool.acquire(alice)])
      pool.release(alice, server);
    expect(pool.size).toBe(2);
  });

  test("only methods that leave no state in the server allow reuse", () => {
    expect(leavesNoState("tools/call")).toBe(true);
    expect(leavesNoState("resources/read")).toBe(true);
    expect(leavesNoState("logging/setLevel")).toBe(false);
    expect(leavesNoState("resources/subscribe")).toBe(false);
    expect(leavesNoState("initialize")).toBe(false);
    expect(leavesNoState("batch(2)")).toBe(false);
    expect(leavesNoState(undefined)).toBe(false);
  });
});
