/**
 * The private fields of the MCP SDK (1.32.x) that mounting needs, kept together so an SDK upgrade has
 * few places to check (the other is mcp/transport-streams.ts, for per-stream delivery). Rebuilding a
 * session on another instance and choosing JSON or SSE per request need them; the SDK has no public
 * API for either.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { ResponseMode } from "../http/accept.ts";

interface TransportInternals {
  _initialized: boolean;
  _enableJsonResponse: boolean;
  _streamMapping: Map<string, unknown>;
}

interface ServerInternals {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
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

/** Gives a rebuilt server what the client declared at initialize (capabilities gate sampling etc.). */
export function restoreClient(server: McpServer, capabilities: unknown, clientInfo: unknown): void {
  const internals = server.server as unknown as ServerInternals;
  internals._clientCapabilities = capabilities;
  internals._clientVersion = clientInfo;
}

/** Streams (SSE or pending JSON answers) the transport still holds open. */
export function openStreamCount(transport: WebStandardStreamableHTTPServerTransport): number {
  return (transport as unknown as TransportInternals)._streamMapping.size;
}
