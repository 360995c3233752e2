/**
 * One canary per SDK private field internals.ts touches: each test fails if the SDK renames the field
 * or stops reading it, so an SDK upgrade shows here instead of in a cross-instance session.
 */
import { expect, test } from "bun:test";
import {
  type EventStore,
  type JSONRPCMessage,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { InProcessTransport } from "../legacy/in-process-transport.ts";
import {
  answerToolCall,
  closeStream,
  dispatchRequest,
  holdStream,
  isClosed,
  isPendingJsonAnswer,
  isStreamOpen,
  markInitialized,
  openStreamCount,
  restoreClient,
  sendStandaloneNotification,
  setResponseMode,
  streamOfRequest,
} from "./internals.ts";

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

test("_initialized: markInitialized lets a fresh transport serve a session made elsewhere", async () => {
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

test("_enableJsonResponse: setResponseMode picks JSON or SSE for the next request", async () => {
  const { server, transport } = await rebuilt();
  setResponseMode(transport, "json");
  const json = await transport.handleRequest(post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, "s-1"));
  expect(json.headers.get("content-type")).toStartWith("application/json");
  setResponseMode(transport, "sse");
  const sse = await transport.handleRequest(post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, "s-1"));
  expect(sse.headers.get("content-type")).toStartWith("text/event-stream");
  await sse.text();
  await server.close();
});

/** A rebuilt session with a tool that runs until the returned `release` is called. */
async function withSlowTool(): Promise<{
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  release: () => void;
}> {
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
  return { server, transport, release: () => release() };
}

const slowCall = (id: number): Request =>
  post({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "slow", arguments: {} } }, "s-1");

test("_streamMapping: open streams are counted, seen, told JSON from SSE, and closed", async () => {
  const { server, transport, release } = await withSlowTool();
  setResponseMode(transport, "sse");
  const sse = await transport.handleRequest(slowCall(7));
  const sseStream = streamOfRequest(transport, 7) as string;
  expect(openStreamCount(transport)).toBe(1);
  expect(isStreamOpen(transport, sseStream)).toBe(true);
  expect(isPendingJsonAnswer(transport, sseStream)).toBe(false);
  setResponseMode(transport, "json");
  // A JSON answer's promise settles only when the tool ends: do not await it yet.
  const json = transport.handleRequest(slowCall(8));
  await Bun.sleep(10);
  const jsonStream = streamOfRequest(transport, 8) as string;
  expect(openStreamCount(transport)).toBe(2);
  expect(isPendingJsonAnswer(transport, jsonStream)).toBe(true);
  closeStream(transport, sseStream);
  expect(isStreamOpen(transport, sseStream)).toBe(false);
  expect(openStreamCount(transport)).toBe(1);
  // The closed stream's body ends without an answer.
  expect(await sse.text()).not.toContain('"id":7');
  release();
  expect(await (await json).text()).toContain('"id":8');
  expect(openStreamCount(transport)).toBe(0);
  await server.close();
});

test("_requestToStreamMapping: a running request maps to its stream, and a held stream outlives its answer", async () => {
  const { server, transport, release } = await withSlowTool();
  setResponseMode(transport, "sse");
  const answer = await transport.handleRequest(slowCall(7));
  const streamId = streamOfRequest(transport, 7);
  expect(streamId).toBeString();
  const letGo = holdStream(transport, streamId as string);
  release();
  await Bun.sleep(20);
  // Answered, but held: the SDK keeps the stream open because it looks fed by another request.
  expect(streamOfRequest(transport, 7)).toBe(streamId);
  expect(isStreamOpen(transport, streamId as string)).toBe(true);
  letGo();
  closeStream(transport, streamId as string);
  expect(await answer.text()).toContain('"id":7');
  await server.close();
});

test("_closed: isClosed turns true when the transport closes", async () => {
  const { server, transport } = await rebuilt();
  expect(isClosed(transport)).toBe(false);
  await server.close();
  expect(isClosed(transport)).toBe(true);
});

test("_clientCapabilities: restoreClient sets what getClientCapabilities() reports", async () => {
  const { server } = await rebuilt();
  expect(server.server.getClientCapabilities()).toBeUndefined();
  restoreClient(server, { elicitation: {} }, { name: "client", version: "2" }, "2025-06-18");
  expect(server.server.getClientCapabilities()).toEqual({ elicitation: {} });
  await server.close();
});

test("_clientVersion: restoreClient sets what getClientVersion() reports", async () => {
  const { server } = await rebuilt();
  expect(server.server.getClientVersion()).toBeUndefined();
  restoreClient(server, {}, { name: "client", version: "2" }, "2025-06-18");
  expect(server.server.getClientVersion()).toEqual({ name: "client", version: "2" });
  await server.close();
});

test("_negotiatedProtocolVersion: restoreClient sets what getNegotiatedProtocolVersion() reports", async () => {
  const { server } = await rebuilt();
  expect(server.server.getNegotiatedProtocolVersion()).toBeUndefined();
  restoreClient(server, {}, {}, "2025-06-18");
  expect(server.server.getNegotiatedProtocolVersion()).toBe("2025-06-18");
  await server.close();
});

test("_onrequest: dispatchRequest serves a request on the server's own dispatch; the answer comes back through its transport", async () => {
  const server = new McpServer({ name: "t", version: "1" });
  server.registerTool("noop", { description: "does nothing" }, async () => ({ content: [] }));
  const transport = new InProcessTransport();
  await server.connect(transport);
  const delivered: unknown[] = [];
  const answer = await transport.request(
    { jsonrpc: "2.0", id: 7, method: "tools/list", params: {} },
    {},
    (message, extra) => {
      delivered.push(message);
      dispatchRequest(server, message, extra);
    },
  );
  expect(delivered).toHaveLength(1);
  expect(answer).toMatchObject({ jsonrpc: "2.0", id: 7, result: { tools: [{ name: "noop" }] } });
  await server.close();
});

test("_requestHandlers, _negotiatedWireCodec, _outboundServerInfo, buildContext: answerToolCall answers as _onrequest does", async () => {
  const server = new McpServer({ name: "t", version: "1" });
  server.registerTool(
    "echo",
    {
      description: "echoes",
      inputSchema: z.object({ text: z.string() }),
      outputSchema: z.object({ text: z.string() }),
    },
    async ({ text }) => ({ content: [{ type: "text", text }], structuredContent: { text } }),
  );
  const transport = new InProcessTransport();
  await server.connect(transport);
  const envelope = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  const calls = [
    { name: "echo", arguments: { text: "hi" } },
    { name: "echo", arguments: { text: 5 } },
    { name: "missing", arguments: {} },
  ];
  // A 2025 stateless request is served by a server that was never seeded with a revision.
  for (const [revision, meta] of [
    [undefined, undefined],
    ["2026-07-28", envelope],
    ["2025-11-25", undefined],
  ] as const) {
    if (revision) restoreClient(server, {}, { name: "c", version: "1" }, revision);
    for (const [index, params] of calls.entries()) {
      const message = {
        jsonrpc: "2.0" as const,
        id: index,
        method: "tools/call",
        params: { ...params, _meta: meta },
      };
      const viaSdk = await transport.request(message, {}, (m, extra) => dispatchRequest(server, m, extra));
      expect(await answerToolCall(server, message, {})).toEqual(viaSdk);
    }
  }
  await server.close();
});

/** A session transport with an event store that remembers what it was given. */
async function withEventStore(): Promise<{
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  stored: [string, JSONRPCMessage][];
}> {
  const stored: [string, JSONRPCMessage][] = [];
  const eventStore: EventStore = {
    storeEvent: async (streamId, message) => {
      stored.push([streamId, message]);
      return `e${stored.length}`;
    },
    replayEventsAfter: async () => "_GET_stream",
  };
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => "s-1",
    eventStore,
  });
  markInitialized(transport, "s-1");
  const server = new McpServer({ name: "t", version: "1" });
  await server.connect(transport);
  return { server, transport, stored };
}

const LIST_CHANGED = { jsonrpc: "2.0" as const, method: "notifications/resources/list_changed" };

test("_eventStore, _standaloneSseStreamId, writeSSEEvent: sendStandaloneNotification does what send does with a notification", async () => {
  // The SDK's own send, for comparison: what it stores and what it writes on the GET stream.
  const written: string[] = [];
  for (const sendIt of [
    (transport: WebStandardStreamableHTTPServerTransport) => transport.send(LIST_CHANGED),
    (transport: WebStandardStreamableHTTPServerTransport) =>
      sendStandaloneNotification(transport, LIST_CHANGED),
  ]) {
    const { server, transport, stored } = await withEventStore();
    // No GET stream yet: the notification is stored (a resume may still ask for it) and written nowhere.
    await sendIt(transport);
    const stream = await transport.handleRequest(
      new Request("http://127.0.0.1/mcp", {
        method: "GET",
        headers: {
          accept: "text/event-stream",
          "mcp-session-id": "s-1",
          "mcp-protocol-version": "2025-11-25",
        },
      }),
    );
    expect(stream.headers.get("content-type")).toStartWith("text/event-stream");
    await sendIt(transport);
    expect(stored).toEqual([
      ["_GET_stream", LIST_CHANGED],
      ["_GET_stream", LIST_CHANGED],
    ]);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    written.push(text);
    await reader.cancel();
    await server.close();
  }
  expect(written[1]).toBe(written[0] as string);
  expect(written[1]).toBe(`event: message\nid: e2\ndata: ${JSON.stringify(LIST_CHANGED)}\n\n`);
});
