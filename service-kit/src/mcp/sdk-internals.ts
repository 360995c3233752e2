/**
 * The private fields of the MCP SDK (@modelcontextprotocol/server 2.4.x) that mounting needs, kept together so an SDK upgrade has
 * few places to check (the other is mcp/transport-streams.ts, for per-stream delivery). Rebuilding a
 * session on another instance and choosing JSON or SSE per request need them; the SDK has no public
 * API for either.
 */
import type { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { ResponseMode } from "../http/accept.ts";

interface TransportInternals {
  _initialized: boolean;
  _enableJsonResponse: boolean;
  _streamMapping: Map<string, unknown>;
}

interface ServerInternals {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
  _negotiatedProtocolVersion?: string;
}

/**
 * The SDK reads this flag synchronously when it dispatches a POST, so setting it right before
 * handleRequest answers each request in the mode its Accept header asked for.
 */
export function setResponseMode(
  transport: WebStandardStreamableHTTPServerTransport,
  mode: ResponseMode,
): void {
  (transport as unknown as TransportInternals)._enableJsonResponse = mode === "json";
}

/** Makes a fresh transport accept requests of a session initialized elsewhere. */
export function markInitialized(
  transport: WebStandardStreamableHTTPServerTransport,
  sessionId: string,
): void {
  transport.sessionId = sessionId;
  (transport as unknown as TransportInternals)._initialized = true;
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
  const internals = server.server as unknown as ServerInternals;
  internals._clientCapabilities = capabilities;
  internals._clientVersion = clientInfo;
  internals._negotiatedProtocolVersion = protocolVersion;
}

/** Streams (SSE or pending JSON answers) the transport still holds open. */
export function openStreamCount(transport: WebStandardStreamableHTTPServerTransport): number {
  return (transport as unknown as TransportInternals)._streamMapping.size;
}
