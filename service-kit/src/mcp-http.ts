/**
 * The one place that mounts the MCP SDK's Streamable HTTP transport. Sessions are kept in memory
 * for speed and in the database for truth (see mcp/session-store.ts), so any instance can serve any
 * session; requests without a session id are served statelessly.
 */

import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Principal } from "./auth/principal.ts";
import { chooseResponseMode, FULL_ACCEPT, type ResponseMode } from "./http/accept.ts";
import type { Logger } from "./log.ts";
import type { DatabaseEventStore } from "./mcp/event-store.ts";
import { jsonRpcErrorResponse, type RpcSummary, summarizeRpc } from "./mcp/json-rpc.ts";
import { negotiatedVersion, withSessionProtocolVersion } from "./mcp/protocol-version.ts";
import { leavesNoState, StatelessServerPool } from "./mcp/server-pool.ts";
import type { SessionRecord, SessionStore } from "./mcp/session-store.ts";
import { applyToolScopes, toolAccess } from "./mcp/tools.ts";
import { transportStreams } from "./mcp/transport-streams.ts";

export interface McpEndpointOptions {
  store: SessionStore;
  log: Logger;
  /** Builds the server for one caller; the kit then hides the tools the caller's scopes do not allow. */
  createServer: (principal: Principal) => McpServer;
  /** The answer to a tools/call the caller lacks the scope for (403 insufficient_scope). */
  forbidden?: (scope: string, message: string) => Response;
  sessionTtlMs: number;
  keepAliveMs: number;
  maxBodyBytes: number;
  /** Makes SSE streams resumable with Last-Event-ID, on any instance (see mcp/event-store.ts). */
  events?: DatabaseEventStore;
  /** The `retry` (ms) sent in each stream's priming event: how soon a cut-off client reconnects. */
  retryIntervalMs?: number;
}

export interface McpRequestInfo {
  requestId: string;
  principal: Principal;
  /** Filled in for the request log line. */
  rpc?: RpcSummary;
}

interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  principal: string;
  lastTouchedAt: number;
  protocolVersion: string;
}

// The SDK keeps these private; rebuilding a session on another instance needs to restore them.
interface TransportInternals {
  _initialized: boolean;
  _enableJsonResponse: boolean;
  _streamMapping: Map<string, unknown>;
}
interface ServerInternals {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
}

const SESSION_NOT_FOUND =
  "Session not found: it expired or was closed. Start a new session by sending initialize without an Mcp-Session-Id header.";

export class McpEndpoint {
  private readonly live = new Map<string, LiveSession>();
  private readonly rebuilding = new Map<string, Promise<LiveSession>>();
  private readonly pool = new StatelessServerPool((principal) => this.options.createServer(principal));

  constructor(private readonly options: McpEndpointOptions) {}

  get liveSessionCount(): number {
    return this.live.size;
  }

  async handle(request: Request, info: McpRequestInfo): Promise<Response> {
    switch (request.method) {
      case "POST":
        return this.handlePost(request, info);
      case "GET":
      case "DELETE":
        return this.handleSessionRequest(request, info);
      default:
        return jsonRpcErrorResponse(405, -32000, "Method not allowed: use POST, GET or DELETE.", {
          allow: "GET, POST, DELETE, OPTIONS",
        });
    }
  }

  private async handlePost(request: Request, info: McpRequestInfo): Promise<Response> {
    const contentType = request.headers.get("content-type") ?? "";
    if (!contentType.toLowerCase().includes("application/json")) {
      return jsonRpcErrorResponse(
        415,
        -32000,
        "Unsupported Media Type: send the JSON-RPC message as application/json.",
      );
    }
    const mode = chooseResponseMode(request.headers.get("accept"));
    if (!mode) {
      return jsonRpcErrorResponse(
        406,
        -32000,
        "Not Acceptable: accept application/json or text/event-stream.",
      );
    }
    let text: string;
    try {
      text = await request.text();
    } catch {
      // Bun aborts a streamed (chunked) body past maxRequestBodySize; the client already got its 413.
      return jsonRpcErrorResponse(
        413,
        -32000,
        `Request body too large (or the upload was cut off): the limit is ${this.options.maxBodyBytes} bytes.`,
      );
    }
    if (Buffer.byteLength(text) > this.options.maxBodyBytes) {
      return jsonRpcErrorResponse(
        413,
        -32000,
        `Request body too large: the limit is ${this.options.maxBodyBytes} bytes.`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return jsonRpcErrorResponse(400, -32700, "Parse error: the body is not valid JSON.");
    }
    info.rpc = summarizeRpc(body);
    if (Array.isArray(body)) {
      // One HTTP request must stay one message: batches would multiply work past the rate limit.
      return jsonRpcErrorResponse(
        400,
        -32600,
        "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 removed them). Send one message per POST.",
      );
    }
    const sdkRequest = withFullAccept(request, text);
    const authInfo = toAuthInfo(info);
    const sessionId = request.headers.get("mcp-session-id");

    if (sessionId === null) {
      if (mode === "json" && !info.rpc.isInitialize && leavesNoState(info.rpc.method)) {
        return this.handlePooled(sdkRequest, body, authInfo, info);
      }
      const server = this.serverFor(info.principal);
      const denied = this.deniedTool(server, info);
      if (denied) return denied;
      const transport = info.rpc.isInitialize
        ? this.newSessionTransport(server, body, info)
        : this.statelessTransport();
      await server.connect(transport);
      setResponseMode(transport, mode);
      return transport.handleRequest(sdkRequest, { parsedBody: body, authInfo });
    }
    const session = await this.resolve(sessionId, info.principal);
    if (!session) return jsonRpcErrorResponse(404, -32001, SESSION_NOT_FOUND);
    const denied = this.deniedTool(session.server, info);
    if (denied) return denied;
    setResponseMode(session.transport, mode);
    const versioned = withSessionProtocolVersion(sdkRequest, session.protocolVersion);
    return session.transport.handleRequest(versioned, { parsedBody: body, authInfo });
  }

  /** A stateless JSON request on a borrowed server (see mcp/server-pool.ts), with its own transport. */
  private async handlePooled(
    request: Request,
    body: unknown,
    authInfo: AuthInfo,
    info: McpRequestInfo,
  ): Promise<Response> {
    const server = this.pool.acquire(info.principal);
    applyToolScopes(server, info.principal);
    const denied = this.deniedTool(server, info);
    if (denied) {
      this.pool.release(info.principal, server);
      return denied;
    }
    const transport = this.statelessTransport();
    await server.connect(transport);
    setResponseMode(transport, "json");
    try {
      // In JSON mode the answer is complete when handleRequest resolves, so the server is idle after.
      return await transport.handleRequest(request, { parsedBody: body, authInfo });
    } finally {
      // Closed on the next turn: the SDK forgets a finished call's AbortController a few microtasks
      // after answering, and closing before that would abort it, building an AbortError for nothing.
      setImmediate(() => {
        void transport.close().then(() => this.pool.release(info.principal, server));
      });
    }
  }

  private async handleSessionRequest(request: Request, info: McpRequestInfo): Promise<Response> {
    info.rpc = {
      method: request.method === "GET" ? "stream" : "end-session",
      isInitialize: false,
      hasProgressToken: false,
    };
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId === null) {
      return jsonRpcErrorResponse(
        400,
        -32000,
        "Bad Request: the Mcp-Session-Id header is required for GET and DELETE.",
      );
    }
    const session = await this.resolve(sessionId, info.principal);
    if (!session) return jsonRpcErrorResponse(404, -32001, SESSION_NOT_FOUND);
    return session.transport.handleRequest(request, { authInfo: toAuthInfo(info) });
  }

  private newSessionTransport(
    server: McpServer,
    body: unknown,
    info: McpRequestInfo,
  ): WebStandardStreamableHTTPServerTransport {
    const params =
      (body as { params?: { protocolVersion?: string; clientInfo?: unknown; capabilities?: unknown } })
        .params ?? {};
    const transport = this.transport(
      () => crypto.randomUUID(),
      async (id) => {
        const now = Date.now();
        // The row is written before the initialize answer leaves, so the client's next request can
        // land on any instance.
        await this.options.store.create({
          id,
          principal: info.principal.id,
          protocolVersion: params.protocolVersion ?? "2025-03-26",
          clientInfo: params.clientInfo ?? {},
          clientCapabilities: params.capabilities ?? {},
          createdAt: now,
          lastSeenAt: now,
        });
        const protocolVersion = negotiatedVersion(params.protocolVersion);
        this.live.set(id, {
          transport,
          server,
          principal: info.principal.id,
          lastTouchedAt: now,
          protocolVersion,
        });
      },
    );
    return transport;
  }

  private statelessTransport(): WebStandardStreamableHTTPServerTransport {
    return new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      keepAliveMs: this.options.keepAliveMs,
      maxRequestBodySize: this.options.maxBodyBytes,
    });
  }

  private transport(
    sessionIdGenerator: () => string,
    onInitialized?: (id: string) => Promise<void>,
  ): WebStandardStreamableHTTPServerTransport {
    const { events } = this.options;
    const streams = transportStreams();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator,
      keepAliveMs: this.options.keepAliveMs,
      maxRequestBodySize: this.options.maxBodyBytes,
      ...(events
        ? { eventStore: events.forSession(streams), retryInterval: this.options.retryIntervalMs ?? 1000 }
        : {}),
      ...(onInitialized ? { onsessioninitialized: onInitialized } : {}),
      onsessionclosed: async (id) => {
        await this.options.store.delete(id);
        await events?.forgetSession(id);
        this.dropLive(id);
      },
    });
    streams.attach(transport);
    return transport;
  }

  private serverFor(principal: Principal): McpServer {
    const server = this.options.createServer(principal);
    applyToolScopes(server, principal);
    return server;
  }

  /** A tools/call for a tool the caller's scopes do not allow is refused before the SDK sees it. */
  private deniedTool(server: McpServer, info: McpRequestInfo): Response | undefined {
    if (!info.rpc?.tool) return undefined;
    const access = toolAccess(server, info.rpc.tool, info.principal);
    if (access.ok) return undefined;
    return (
      this.options.forbidden?.(access.scope, access.message) ??
      jsonRpcErrorResponse(403, -32000, access.message)
    );
  }

  /** Finds a session for this caller, rebuilding it from the database if another instance made it. */
  private async resolve(id: string, principal: Principal): Promise<LiveSession | undefined> {
    const record = await this.options.store.get(id);
    const now = Date.now();
    if (!record || now - record.lastSeenAt > this.options.sessionTtlMs) {
      if (record) await this.options.store.delete(id);
      this.dropLive(id);
      return undefined;
    }
    // Another caller's session id is answered exactly like an unknown one.
    if (record.principal !== principal.id) return undefined;
    let session = this.live.get(id);
    if (!session) {
      let pending = this.rebuilding.get(id);
      if (!pending) {
        pending = this.rebuild(record, principal).finally(() => this.rebuilding.delete(id));
        this.rebuilding.set(id, pending);
      }
      session = await pending;
    }
    if (now - record.lastSeenAt > this.options.sessionTtlMs / 10) await this.options.store.touch(id, now);
    session.lastTouchedAt = now;
    // Scopes are re-derived from each request's credentials, so a narrowed key narrows tools/list too.
    applyToolScopes(session.server, principal);
    return session;
  }

  private async rebuild(record: SessionRecord, principal: Principal): Promise<LiveSession> {
    const transport = this.transport(() => record.id);
    transport.sessionId = record.id;
    (transport as unknown as TransportInternals)._initialized = true;
    const server = this.serverFor(principal);
    await server.connect(transport);
    const internals = server.server as unknown as ServerInternals;
    internals._clientCapabilities = record.clientCapabilities;
    internals._clientVersion = record.clientInfo;
    const session: LiveSession = {
      transport,
      server,
      principal: record.principal,
      lastTouchedAt: Date.now(),
      protocolVersion: negotiatedVersion(record.protocolVersion),
    };
    this.live.set(record.id, session);
    this.options.log.debug("session rebuilt from database", { session: record.id });
    return session;
  }

  private dropLive(id: string): void {
    const session = this.live.get(id);
    if (!session) return;
    this.live.delete(id);
    void session.server.close().catch(() => undefined);
  }

  /** Forgets idle sessions here and in the database; open streams count as activity. */
  async sweep(now: number = Date.now()): Promise<void> {
    const cutoff = now - this.options.sessionTtlMs;
    for (const [id, session] of this.live) {
      const streams = (session.transport as unknown as TransportInternals)._streamMapping.size;
      if (streams > 0) {
        session.lastTouchedAt = now;
        await this.options.store.touch(id, now);
      } else if (session.lastTouchedAt < cutoff) {
        this.dropLive(id);
      }
    }
    const removed = await this.options.store.deleteIdleSince(cutoff);
    if (removed > 0) this.options.log.info("expired idle MCP sessions", { removed });
  }

  /** Closes this instance's transports; sessions stay in the database for the other instances. */
  async closeAll(): Promise<void> {
    this.pool.clear();
    const sessions = [...this.live.values()];
    this.live.clear();
    await Promise.all(sessions.map((session) => session.server.close().catch(() => undefined)));
  }
}

function setResponseMode(transport: WebStandardStreamableHTTPServerTransport, mode: ResponseMode): void {
  // The SDK reads this flag synchronously when it dispatches a POST, so setting it right before
  // handleRequest answers each request in the mode its Accept header asked for.
  (transport as unknown as TransportInternals)._enableJsonResponse = mode === "json";
}

function withFullAccept(request: Request, body: string): Request {
  const accept = request.headers.get("accept") ?? "";
  if (accept.includes("application/json") && accept.includes("text/event-stream")) return request;
  const headers = new Headers(request.headers);
  headers.set("accept", FULL_ACCEPT);
  return new Request(request.url, { method: request.method, headers, body });
}

function toAuthInfo(info: McpRequestInfo): AuthInfo {
  return {
    token: "",
    clientId: info.principal.id,
    scopes: [...info.principal.scopes],
    extra: { principal: info.principal.id, requestId: info.requestId, via: info.principal.via },
  };
}
