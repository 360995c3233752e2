/**
 * Every read or write of a private field of the MCP SDK (@modelcontextprotocol/server 2.4.x) the kit
 * makes, and the only place that makes one: an SDK upgrade has this file to check, and
 * internals.test.ts holds one canary per field that fails if the SDK renames the field or stops
 * reading it. The legacy (2025) leg needs them to rebuild a session on another instance, to choose
 * JSON or SSE per request, and to see, hold and close a session's streams; the SDK has no public API
 * for any of these.
 *
 * Fields: transport `_initialized`, `_enableJsonResponse`, `_streamMapping`, `_requestToStreamMapping`,
 * `_closed`, `_eventStore`, `_standaloneSseStreamId`, `writeSSEEvent`; server `_clientCapabilities`, `_clientVersion`, `_negotiatedProtocolVersion`,
 * `_onrequest`, `_requestHandlers`, `_negotiatedWireCodec`, `_outboundServerInfo`, `buildContext`.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  type EventStore,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type McpServer,
  type MessageExtraInfo,
  PROTOCOL_VERSION_META_KEY,
  type WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { ResponseMode } from "../../http/accept.ts";

/** An entry of the transport's stream table: an SSE stream, or a JSON answer still pending. */
interface StreamEntry {
  cleanup(): void;
  /** Set only for a pending JSON answer. */
  resolveJson?: unknown;
  /** Set only for an SSE stream. */
  controller?: ReadableStreamDefaultController<Uint8Array>;
  encoder?: TextEncoder;
  /** Events a Last-Event-ID resume already sent on this stream. */
  replayedEventIds?: Set<string>;
}

interface TransportInternals {
  _initialized: boolean;
  _enableJsonResponse: boolean;
  _streamMapping: Map<string, StreamEntry>;
  _requestToStreamMapping: Map<unknown, string>;
  _closed?: boolean;
  _eventStore?: EventStore;
  _standaloneSseStreamId: string;
  writeSSEEvent(
    controller: ReadableStreamDefaultController<Uint8Array>,
    encoder: TextEncoder,
    message: JSONRPCMessage,
    eventId?: string,
  ): boolean;
}

interface WireCodec {
  encodeResult(method: string, result: unknown, serverInfo: unknown): unknown;
  encodeErrorCode(code: number): number;
}

interface ServerInternals {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
  _negotiatedProtocolVersion?: string;
  _onrequest(message: JSONRPCRequest, extra?: MessageExtraInfo): void;
  /** Each method's handler as registered, wrapped with its request and result schemas. */
  _requestHandlers: Map<string, (request: JSONRPCRequest, ctx: unknown) => Promise<unknown>>;
  _negotiatedWireCodec(): WireCodec;
  _outboundServerInfo(): unknown;
  buildContext(ctx: unknown, extra?: MessageExtraInfo): unknown;
}

type Transport = WebStandardStreamableHTTPServerTransport;

const internals = (transport: Transport): TransportInternals => transport as unknown as TransportInternals;

/**
 * The SDK reads this flag synchronously when it dispatches a POST (and again when it sends each
 * message), so setting it right before handleRequest answers each request in the mode its Accept
 * header asked for.
 */
export function setResponseMode(transport: Transport, mode: ResponseMode): void {
  internals(transport)._enableJsonResponse = mode === "json";
}

/** Makes a fresh transport accept requests of a session initialized elsewhere. */
export function markInitialized(transport: Transport, sessionId: string): void {
  transport.sessionId = sessionId;
  internals(transport)._initialized = true;
}

/**
 * Gives a rebuilt server what the client declared at initialize (capabilities gate sampling and
 * elicitation) and the revision it negotiated (the SDK picks its wire codec and reports
 * getNegotiatedProtocolVersion() from it).
 */
export function restoreClient(
  server: McpServer,
  capabilities: unknown,
  clientInfo: unknown,
  protocolVersion: string,
): void {
  const fields = server.server as unknown as ServerInternals;
  fields._clientCapabilities = capabilities;
  fields._clientVersion = clientInfo;
  fields._negotiatedProtocolVersion = protocolVersion;
}

/** What the client declared at initialize (or restoreClient gave the server): its capabilities and info. */
export function clientOf(server: McpServer): { capabilities: unknown; clientInfo: unknown } {
  const fields = server.server as unknown as ServerInternals;
  return { capabilities: fields._clientCapabilities, clientInfo: fields._clientVersion };
}

/** Streams (SSE or pending JSON answers) the transport still holds open. */
export function openStreamCount(transport: Transport): number {
  return internals(transport)._streamMapping.size;
}

/** Whether the transport still holds the stream open. */
export function isStreamOpen(transport: Transport, streamId: string): boolean {
  return internals(transport)._streamMapping.has(streamId);
}

/** Ends an open stream the way the SDK does when its last answer has been sent. */
export function closeStream(transport: Transport, streamId: string): void {
  internals(transport)._streamMapping.get(streamId)?.cleanup();
}

/**
 * Keeps a stream open while no request feeds it (the SDK closes a stream when the last request mapped
 * to it is answered): returns the function that lets it go.
 */
export function holdStream(transport: Transport, streamId: string): () => void {
  // A key no JSON-RPC id can equal: the entry only makes the stream look fed by a request.
  const key = Symbol(streamId);
  const requests = internals(transport)._requestToStreamMapping;
  requests.set(key, streamId);
  return () => requests.delete(key);
}

/** The stream a running request's messages go to, while it runs. */
export function streamOfRequest(transport: Transport, requestId: unknown): string | undefined {
  return internals(transport)._requestToStreamMapping.get(requestId);
}

/** Whether the stream is a JSON answer still pending (rather than an SSE stream, or gone). */
export function isPendingJsonAnswer(transport: Transport, streamId: string): boolean {
  return internals(transport)._streamMapping.get(streamId)?.resolveJson !== undefined;
}

/**
 * Sends a notification that belongs to no request on the session's GET stream, exactly as the
 * transport's `send` does with one (kept in its event store first, then written unless a resume already
 * replayed it; dropped when no GET stream is open), without `send`'s four zod type guards (is it a
 * result? an error?), which a message without an id never passes. They run on zod's interpreter (the
 * JSON-RPC schemas are recursive, so zod cannot compile them) and allocate an error each time they
 * fail: 20 µs warm, and in order-service under load, where they run a few times a second and stay
 * cold, sendResourceListChanged() took 0.46 ms of wall time a call with them and 0.11 ms without.
 */
export async function sendStandaloneNotification(
  transport: Transport,
  message: JSONRPCNotification,
): Promise<void> {
  const fields = internals(transport);
  const streamId = fields._standaloneSseStreamId;
  const eventId = fields._eventStore ? await fields._eventStore.storeEvent(streamId, message) : undefined;
  const stream = fields._streamMapping.get(streamId);
  if (!stream?.controller || !stream.encoder) return;
  if (eventId !== undefined && stream.replayedEventIds?.has(eventId)) return;
  fields.writeSSEEvent(stream.controller, stream.encoder, message, eventId);
}

/** Whether the transport was closed (session ended or server closed). */
export function isClosed(transport: Transport): boolean {
  return internals(transport)._closed === true;
}

/**
 * Hands `message` straight to the server's request dispatch (Protocol `_onrequest`: era gate, handler
 * lookup, envelope check, the handler, the response through the server's transport). The transport's
 * onmessage would first run three zod type guards on it (response? error? request?), the failing
 * ones dearest; only a caller that has already checked `message` is a plain JSON-RPC request (id,
 * method, object params; no result or error) may skip them (mcp/direct/plain-call.ts).
 */
export function dispatchRequest(server: McpServer, message: JSONRPCRequest, extra: MessageExtraInfo): void {
  (server.server as unknown as ServerInternals)._onrequest(message, extra);
}

// A direct call cannot be cancelled (see direct-calls.ts), so every one shares a signal that never fires.
const NEVER_ABORTED = new AbortController().signal;
const NO_REQUEST_STATE = (): undefined => undefined;
const ENVELOPE_KEYS = [PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY];

/**
 * The response Protocol `_onrequest` would send for a plain tools/call (mcp/direct/plain-call.ts), made
 * without it: the registered handler runs with the SDK's own request schema, tool lookup, input and
 * output validation and result schema (the wrapper `setRequestHandler` put around it), and its result is
 * encoded by the era's codec, as `_onrequest` does. What is left out is what such a call cannot need: the
 * era and method gates and the envelope schema (plain-call.ts accepts a narrower envelope than that
 * schema, and only tools/call), the abort bookkeeping (nothing can cancel a direct call), and a
 * transport round trip. The envelope is lifted out of `_meta` the way `_onrequest` lifts it.
 * direct-calls.test.ts and session-calls.test.ts compare the answers with the SDK's, byte for byte.
 */
export async function answerToolCall(
  server: McpServer,
  message: JSONRPCRequest,
  extra: MessageExtraInfo,
): Promise<JSONRPCMessage> {
  const inner = server.server as unknown as ServerInternals;
  const codec = inner._negotiatedWireCodec();
  const { request, envelope } = liftEnvelope(message);
  const ctx = inner.buildContext(
    {
      sessionId: undefined,
      mcpReq: {
        id: message.id,
        method: message.method,
        _meta: request.params?._meta,
        ...(envelope !== undefined && { envelope }),
        requestState: NO_REQUEST_STATE,
        signal: NEVER_ABORTED,
        send: () => Promise.reject(new Error("a tool served on the direct path cannot ask the client")),
        notify: () => Promise.resolve(),
      },
      http: extra.authInfo ? { authInfo: extra.authInfo } : undefined,
    },
    extra,
  );
  try {
    const handler = inner._requestHandlers.get(message.method);
    if (!handler) throw new Error(`no handler for ${message.method}`);
    const result = await handler(request, ctx);
    const encoded = codec.encodeResult(message.method, result, inner._outboundServerInfo());
    return { result: encoded, jsonrpc: "2.0", id: message.id } as JSONRPCMessage;
  } catch (caught) {
    const error = caught as { code?: unknown; message?: string; data?: unknown };
    const code = Number.isSafeInteger(error.code) ? (error.code as number) : -32603;
    return {
      jsonrpc: "2.0",
      id: message.id,
      error: {
        code: codec.encodeErrorCode(code),
        message: error.message ?? "Internal error",
        ...(error.data !== undefined && { data: error.data }),
      },
    } as JSONRPCMessage;
  }
}

/** The request with the reserved envelope keys taken out of `_meta`, and the envelope (if any). */
function liftEnvelope(message: JSONRPCRequest): {
  request: JSONRPCRequest;
  envelope?: Record<string, unknown>;
} {
  const meta = message.params?._meta as Record<string, unknown> | undefined;
  if (meta === undefined || !ENVELOPE_KEYS.some((key) => key in meta)) return { request: message };
  const envelope: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...meta };
  for (const key of ENVELOPE_KEYS) {
    if (!(key in meta)) continue;
    envelope[key] = meta[key];
    delete rest[key];
  }
  const params: Record<string, unknown> = { ...message.params };
  if (Object.keys(rest).length > 0) params._meta = rest;
  else delete params._meta;
  return { request: { ...message, params } as JSONRPCRequest, envelope };
}
