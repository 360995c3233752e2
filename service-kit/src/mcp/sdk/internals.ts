/**
 * Every read or write of a private field of the MCP SDK (@modelcontextprotocol/server 2.4.x) the kit
 * makes, and the only place that makes one: an SDK upgrade has this file to check, and
 * internals.test.ts holds one canary per field that fails if the SDK renames the field or stops
 * reading it. The legacy (2025) leg needs them to rebuild a session on another instance, to choose
 * JSON or SSE per request, and to see, hold and close a session's streams; the SDK has no public API
 * for any of these.
 *
 * Fields: transport `_initialized`, `_enableJsonResponse`, `_streamMapping`, `_requestToStreamMapping`,
 * `_closed`; server `_clientCapabilities`, `_clientVersion`, `_negotiatedProtocolVersion`,
 * `_onrequest`.
 */
import type {
  JSONRPCRequest,
  McpServer,
  MessageExtraInfo,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { ResponseMode } from "../../http/accept.ts";

/** An entry of the transport's stream table: an SSE stream, or a JSON answer still pending. */
interface StreamEntry {
  cleanup(): void;
  /** Set only for a pending JSON answer. */
  resolveJson?: unknown;
}

interface TransportInternals {
  _initialized: boolean;
  _enableJsonResponse: boolean;
  _streamMapping: Map<string, StreamEntry>;
  _requestToStreamMapping: Map<unknown, string>;
  _closed?: boolean;
}

interface ServerInternals {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
  _negotiatedProtocolVersion?: string;
  _onrequest(message: JSONRPCRequest, extra?: MessageExtraInfo): void;
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
