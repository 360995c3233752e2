import { describe, expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Principal } from "../../auth/principal.ts";
import { leavesNoState, type PooledServer, StatelessServerPool } from "./server-pool.ts";

const alice: Principal = { id: "alice", scopes: [], via: "api-key" };
const bob: Principal = { id: "bob", scopes: [], via: "api-key" };

function counting(maxIdle = 2): { pool: StatelessServerPool; built: () => number } {
  let built = 0;
  const pool = new StatelessServerPool(() => {
    built++;
    const server = new McpServer({ name: "pool-test", version: "1.0.0" }, { capabilities: { logging: {} } });
    server.registerTool("echo", { inputSchema: z.object({ text: z.string() }) }, async ({ text }, ctx) => {
      // A notification on the way must not be mistaken for the answer.
      await ctx.mcpReq.notify({
        method: "notifications/message",
        params: { level: "info", data: "working" },
      });
      await Bun.sleep(1);
      return { content: [{ type: "text", text }] };
    });
    return server;
  }, maxIdle);
  return { pool, built: () => built };
}

async function callEcho(pooled: PooledServer, text: string, id: number | string = 7): Promise<unknown> {
  return pooled.transport.request(
    { jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text } } },
    {},
  );
}

describe("StatelessServerPool", () => {
  test("a released server answers again, without being built or connected again", async () => {
    const { pool, built } = counting();
    const first = await pool.acquire(alice);
    expect(await callEcho(first, "one")).toEqual({
      jsonrpc: "2.0",
      id: 7,
      result: { content: [{ type: "text", text: "one" }] },
    });
    pool.release(alice, first);
    const second = await pool.acquire(alice);
    expect(second).toBe(first);
    expect(second.server.isConnected()).toBe(true);
    expect(await callEcho(second, "two", "seven")).toMatchObject({
      id: "seven",
      result: { content: [{ text: "two" }] },
    });
    expect(built()).toBe(1);
  });

  test("concurrent calls with the same JSON-RPC id each get their own answer", async () => {
    const { pool } = counting(8);
    const servers = await Promise.all([1, 2, 3, 4].map(() => pool.acquire(alice)));
    const answers = await Promise.all(servers.map((pooled, i) => callEcho(pooled, `call ${i}`, 1)));
    expect(
      answers.map((a) => (a as { result: { content: { text: string }[] } }).result.content[0]?.text),
    ).toEqual(["call 0", "call 1", "call 2", "call 3"]);
  });

  test("the SDK's own checks still answer: bad arguments, unknown tool, unknown method", async () => {
    const { pool } = counting();
    const pooled = await pool.acquire(alice);
    const badArgs = await pooled.transport.request(
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: 5 } } },
      {},
    );
    expect(badArgs).toMatchObject({ id: 1, result: { isError: true } });
    const unknownTool = await pooled.transport.request(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "nope", arguments: {} } },
      {},
    );
    expect(JSON.stringify(unknownTool)).toContain("nope");
    const unknownMethod = await pooled.transport.request({ jsonrpc: "2.0", id: 3, method: "no/such" }, {});
    expect(unknownMethod).toMatchObject({ id: 3, error: { code: -32601 } });
  });

  test("takeIdle hands out only an idle server of the same principal, once, and never builds one", async () => {
    const { pool, built } = counting();
    expect(pool.takeIdle(alice)).toBeUndefined();
    const pooled = await pool.acquire(alice);
    expect(pool.takeIdle(alice)).toBeUndefined();
    pool.release(alice, pooled);
    expect(pool.takeIdle(bob)).toBeUndefined();
    const taken = pool.takeIdle(alice);
    expect(taken).toBe(pooled);
    expect(pool.takeIdle(alice)).toBeUndefined();
    expect(pool.size).toBe(0);
    if (taken)
      expect(await callEcho(taken, "again")).toMatchObject({ result: { content: [{ text: "again" }] } });
    expect(built()).toBe(1);
  });

  test("servers are not shared between principals", async () => {
    const { pool, built } = counting();
    const pooled = await pool.acquire(alice);
    pool.release(alice, pooled);
    expect(await pool.acquire(bob)).not.toBe(pooled);
    expect(built()).toBe(2);
  });

  test("the idle count is bounded, and servers past the bound are closed", async () => {
    const { pool } = counting(2);
    const servers = [await pool.acquire(alice), await pool.acquire(alice), await pool.acquire(alice)];
    for (const pooled of servers) pool.release(alice, pooled);
    expect(pool.size).toBe(2);
    await Bun.sleep(0);
    expect(servers.filter((pooled) => pooled.server.isConnected())).toHaveLength(2);
    pool.clear();
    await Bun.sleep(0);
    expect(servers.filter((pooled) => pooled.server.isConnected())).toHaveLength(0);
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
