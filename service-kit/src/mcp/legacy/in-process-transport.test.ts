import { expect, test } from "bun:test";
import { type JSONRPCRequest, McpServer } from "@modelcontextprotocol/server";
import { InProcessTransport, TRANSPORT_CLOSED } from "./in-process-transport.ts";
import { StatelessServerPool } from "./server-pool.ts";

/** A real McpServer whose `wait` tool answers only when the test lets it. */
async function connected(): Promise<{
  server: McpServer;
  transport: InProcessTransport;
  finish: () => void;
}> {
  let finish = (): void => undefined;
  const server = new McpServer({ name: "transport-test", version: "1.0.0" });
  server.registerTool("wait", {}, async () => {
    await new Promise<void>((resolve) => {
      finish = resolve;
    });
    return { content: [{ type: "text", text: "done" }] };
  });
  const transport = new InProcessTransport();
  await server.connect(transport);
  return { server, transport, finish: () => finish() };
}

const call = (id: number): JSONRPCRequest => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "wait", arguments: {} },
});

test("an open transport answers a request with the server's response", async () => {
  const { transport, finish } = await connected();
  const answer = transport.request(call(1), {});
  await Bun.sleep(5);
  finish();
  expect(await answer).toMatchObject({ id: 1, result: { content: [{ type: "text", text: "done" }] } });
});

test("closing the server rejects the request in flight instead of leaving it unsettled", async () => {
  const { server, transport, finish } = await connected();
  const answer = transport.request(call(2), {});
  await Bun.sleep(5);
  await server.close();
  await expect(answer).rejects.toThrow(`${TRANSPORT_CLOSED} before it answered`);
  // The handler finishing afterwards has nowhere to answer: the SDK's send is refused, nothing hangs.
  finish();
  await expect(transport.send({ jsonrpc: "2.0", id: 2, result: {} })).rejects.toThrow(TRANSPORT_CLOSED);
});

test("a request on a closed transport is refused at once", async () => {
  const { transport } = await connected();
  await transport.close();
  await expect(transport.request(call(3), {})).rejects.toThrow(TRANSPORT_CLOSED);
});

test("the pool does not take back a server that was closed while it served", async () => {
  const principal = { id: "alice", scopes: [], via: "api-key" as const };
  const pool = new StatelessServerPool(() => new McpServer({ name: "p", version: "1" }));
  const pooled = await pool.acquire(principal);
  await pooled.server.close();
  pool.release(principal, pooled);
  expect(pool.size).toBe(0);
});
