/**
 * Canaries for the SDK private fields sdk-internals.ts writes: each test fails if the SDK renames or
 * stops reading the field, so an SDK upgrade shows here instead of in a cross-instance session.
 */
import { expect, test } from "bun:test";
import { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { markInitialized, openStreamCount, restoreClient, setResponseMode } from "./sdk-internals.ts";

const post = (body: unknown, session: string): Request =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": session,
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify(body),
  });

async function rebuilt(): Promise<{
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
}> {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => "s-1" });
  markInitialized(transport, "s-1");
  const server = new McpServer({ name: "t", version: "1" });
  server.registerTool("noop", { description: "does nothing" }, async () => ({ content: [] }));
  await server.connect(transport);
  return { server, transport };
}

test("markInitialized (_initialized) lets a fresh transport serve a session made elsewhere", async () => {
  const { server, transport } = await rebuilt();
  setResponseMode(transport, "json");
  const answer = await transport.handleRequest(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, "s-1"));
  expect(answer.status).toBe(200);
  const fresh = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => "s-1" });
  await new McpServer({ name: "t", version: "1" }).connect(fresh);
  const refused = await fresh.handleRequest(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, "s-1"));
  expect(refused.status).toBe(400);
  await server.close();
});

test("setResponseMode (_enableJsonResponse) picks JSON or SSE for the next request", async () => {
  const { server, transport } = await rebuilt();
  setResponseMode(transport, "json");
  const json = await transport.handleRequest(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, "s-1"));
  expect(json.headers.get("content-type")).toStartWith("application/json");
  setResponseMode(transport, "sse");
  const sse = await transport.handleRequest(post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, "s-1"));
  expect(sse.headers.get("content-type")).toStartWith("text/event-stream");
  // openStreamCount (_streamMapping) sees the SSE answer's stream until its body is read.
  expect(openStreamCount(transport)).toBe(1);
  await sse.text();
  expect(openStreamCount(transport)).toBe(0);
  await server.close();
});

test("restoreClient (_clientCapabilities, _clientVersion, _negotiatedProtocolVersion) is what the SDK reports", async () => {
  const { server } = await rebuilt();
  expect(server.server.getClientCapabilities()).toBeUndefined();
  expect(server.server.getNegotiatedProtocolVersion()).toBeUndefined();
  restoreClient(server, { elicitation: {} }, { name: "client", version: "2" }, "2025-06-18");
  expect(server.server.getClientCapabilities()).toEqual({ elicitation: {} });
  expect(server.server.getClientVersion()).toEqual({ name: "client", version: "2" });
  expect(server.server.getNegotiatedProtocolVersion()).toBe("2025-06-18");
  await server.close();
});

test("_closed (read by relay-transport.ts to stop waiting for a client's answer) turns true on close", async () => {
  const { server, transport } = await rebuilt();
  const closed = (): unknown => (transport as unknown as { _closed?: boolean })._closed;
  expect(closed()).toBe(false);
  await server.close();
  expect(closed()).toBe(true);
});

test("_requestToStreamMapping (transport-streams.ts) maps a running request to its open stream", async () => {
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => "s-1" });
  markInitialized(transport, "s-1");
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = new McpServer({ name: "t", version: "1" });
  server.registerTool("slow", { description: "waits for the gate" }, async () => {
    await gate;
    return { content: [] };
  });
  await server.connect(transport);
  const tables = transport as unknown as {
    _requestToStreamMapping: Map<unknown, string>;
    _streamMapping: Map<string, unknown>;
  };
  setResponseMode(transport, "sse");
  const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "slow", arguments: {} } };
  const answer = await transport.handleRequest(post(call, "s-1"));
  const streamId = tables._requestToStreamMapping.get(7);
  expect(streamId).toBeString();
  expect(tables._streamMapping.has(streamId as string)).toBe(true);
  release();
  expect(await answer.text()).toContain('"id":7');
  expect(tables._requestToStreamMapping.has(7)).toBe(false);
  await server.close();
});
