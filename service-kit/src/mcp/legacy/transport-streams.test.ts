import { expect, test } from "bun:test";
import { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { openStreamCount, setResponseMode } from "../sdk/internals.ts";
import { transportStreams } from "./transport-streams.ts";

const post = (body: unknown, session?: string): Request =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : {}),
    },
    body: JSON.stringify(body),
  });

async function session(attach: boolean): Promise<{ sizes: number[] }> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    enableJsonResponse: true,
  });
  if (attach) transportStreams().attach(transport);
  const server = new McpServer({ name: "t", version: "1" });
  server.registerTool("noop", { description: "does nothing" }, async () => ({ content: [] }));
  await server.connect(transport);
  const init = await transport.handleRequest(
    post({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  );
  const id = init.headers.get("mcp-session-id") as string;
  const sizes = [openStreamCount(transport)];
  for (let call = 1; call <= 3; call++) {
    const answer = await transport.handleRequest(
      post({ jsonrpc: "2.0", id: call, method: "tools/list" }, id),
    );
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(1);
    sizes.push(openStreamCount(transport));
  }
  await server.close();
  return { sizes };
}

test("the SDK releases the stream entry of each JSON answer, with or without attach", async () => {
  // SDK 1.32.2 kept one entry per JSON answer ([1, 2, 3, 4]) and the kit had to release them, or a
  // JSON-mode session never looked idle to the sweep. v2 cleans up itself; this guards that.
  expect((await session(false)).sizes).toEqual([0, 0, 0, 0]);
  expect((await session(true)).sizes).toEqual([0, 0, 0, 0]);
});

test("an SSE call still gets its answer when a JSON request of the same session arrives meanwhile", async () => {
  const run = async (attach: boolean): Promise<string> => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
    });
    if (attach) transportStreams().attach(transport);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = new McpServer({ name: "t", version: "1" });
    server.registerTool("slow", { description: "waits for the gate" }, async () => {
      await gate;
      return { content: [{ type: "text", text: "slow done" }] };
    });
    await server.connect(transport);
    const init = await transport.handleRequest(
      post({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      }),
    );
    const id = init.headers.get("mcp-session-id") as string;
    await init.text();
    // As McpEndpoint does: the mode of each request is set just before it is handed to the SDK.
    setResponseMode(transport, "sse");
    const call = await transport.handleRequest(
      post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow", arguments: {} } }, id),
    );
    setResponseMode(transport, "json");
    const listed = await transport.handleRequest(post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, id));
    expect(listed.headers.get("content-type")).toBe("application/json");
    release();
    const body = await call.text();
    await server.close();
    return body;
  };
  // Without the fix the SDK closes the SSE stream without the answer.
  expect(await run(false)).not.toContain("slow done");
  expect(await run(true)).toContain("slow done");
});
