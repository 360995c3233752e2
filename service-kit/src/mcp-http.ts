/**
 * The one place that mounts the MCP SDK's Streamable HTTP transport. Each POST is routed by the
 * protocol era it claims: 2026-07-28 requests go to the SDK's per-request handler (mcp/modern/), the
 * 2025 revisions to sessions kept in memory for speed and in the database for truth (see
 * mcp/session-store.ts), so any instance can serve any session; 2025 requests without a session id
 * are served statelessly.
 */

import {
  type AuthInfo,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Principal } from "./auth/principal.ts";
import type { Logger } from "./log.ts";
import type { DatabaseEventStore } from "./mcp/event-store.ts";
import { asPlainRequest, jsonRpcErrorResponse, type RpcSummary, summarizeRpc } from "./mcp/json-rpc.ts";
import { type LiveSession, LiveSessions } from "./mcp/live-sessions.ts";
import { claimedRevision, isModernRequest, ModernLeg } from "./mcp/modern/handler.ts";
import { applyPromptScopes, promptAccess } from "./mcp/prompt-scopes.ts";
import {
  hasSupportedProtocolHeader,
  negotiatedVersion,
  withSessionProtocolVersion,
} from "./mcp/protocol-version.ts";
import { readMcpPost, toAuthInfo } from "./mcp/read-post.ts";
import { markInitialized, restoreClient, setResponseMode } from "./mcp/sdk-internals.ts";
import { leavesNoState, StatelessServerPool } from "./mcp/server-pool.ts";
import { admitSession } from "./mcp/session-limits.ts";
import type { SessionRecord, SessionStore } from "./mcp/session-store.ts";
import { openStreamAtOnce } from "./mcp/sse-open.ts";
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
  /** Live sessions one principal may hold across all instances; 0 or unset: no cap. */
  maxSessionsPerPrincipal?: number;
}

export interface McpRequestInfo {
  requestId: string;
  principal: Principal;
  /** Filled in for the request log line. */
  rpc?: RpcSummary;
}

/** The `retry` (ms) sent in each stream's priming event: how soon a cut-off client reconnects. */
const STREAM_RETRY_MS = 1000;

const SESSION_NOT_FOUND =
  "Session not found: it expired or was closed. Start a new session by sending initialize without an Mcp-Session-Id header.";

export class McpEndpoint {
  private readonly pool = new StatelessServerPool((principal) => this.options.createServer(principal));
  private readonly sessions: LiveSessions;
  private readonly modern: ModernLeg;

  constructor(private readonly options: McpEndpointOptions) {
    this.modern = new ModernLeg({ ...options, build: (principal) => options.createServer(principal) });
    this.sessions = new LiveSessions({
      store: options.store,
      log: options.log,
      ttlMs: options.sessionTtlMs,
      rebuild: (record, principal) => this.rebuild(record, principal),
    });
  }

  get liveSessionCount(): number {
    return this.sessions.size;
  }

  /** Forgets idle sessions here and in the database. */
  sweep(now: number = Date.now()): Promise<void> {
    return this.sessions.sweep(now);
  }

  /** Closes this instance's transports; sessions stay in the database for the other instances. */
  async closeAll(): Promise<void> {
    this.pool.clear();
    await this.modern.close();
    await this.sessions.closeAll();
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
    const post = await readMcpPost(request, this.options.maxBodyBytes);
    if (!post.ok) return post.response;
    const { body, mode, sdkRequest } = post;
    info.rpc = summarizeRpc(body);
    const authInfo = toAuthInfo(info.principal, info.requestId);
    if (isModernRequest(request, body)) {
      // 2026-07-28: one request, no session (see mcp/modern/handler.ts).
      info.rpc.protocol = claimedRevision(body);
      const server = this.modern.acquire(info.principal);
      applyToolScopes(server, info.principal);
      applyPromptScopes(server, info.principal);
      return this.denied(server, info, body) ?? this.modern.handle(request, body, server, authInfo);
    }
    // A 2025 request answered in JSON has no stream for a server→client request (mcp/confirmation.ts).
    if (mode === "json") authInfo.extra = { ...authInfo.extra, answersInJson: true };
    const sessionId = request.headers.get("mcp-session-id");

    if (sessionId === null) {
      info.rpc.protocol = info.rpc.isInitialize
        ? negotiatedVersion((body as { params?: { protocolVersion?: string } }).params?.protocolVersion)
        : request.headers.get("mcp-protocol-version")?.slice(0, 32);
      const plain = mode === "json" && leavesNoState(info.rpc.method) ? asPlainRequest(body) : undefined;
      if (plain && hasSupportedProtocolHeader(request)) {
        return this.handleInProcess(request, plain, authInfo, info);
      }
      let parsedBody = body;
      if (info.rpc.isInitialize) {
        const limited = await admitSession(body, info.principal.id, {
          store: this.options.store,
          maxSessions: this.options.maxSessionsPerPrincipal ?? 0,
          ttlMs: this.options.sessionTtlMs,
        });
        if (!limited.ok) return limited.response;
        parsedBody = limited.body;
      }
      const server = this.serverFor(info.principal);
      const denied = this.denied(server, info, body);
      if (denied) return denied;
      const transport = info.rpc.isInitialize
        ? this.newSessionTransport(server, parsedBody, info)
        : this.statelessTransport();
      await server.connect(transport);
      setResponseMode(transport, mode);
      return transport.handleRequest(sdkRequest(), { parsedBody, authInfo });
    }
    const session = await this.sessions.resolve(sessionId, info.principal);
    if (!session) return jsonRpcErrorResponse(404, -32001, SESSION_NOT_FOUND);
    info.rpc.protocol = session.protocolVersion;
    const denied = this.denied(session.server, info, body);
    if (denied) return denied;
    setResponseMode(session.transport, mode);
    const versioned = withSessionProtocolVersion(sdkRequest(), session.protocolVersion);
    return session.transport.handleRequest(versioned, { parsedBody: body, authInfo });
  }

  /**
   * A stateless request answered in JSON, on a borrowed server that stays connected to its in-process
   * transport (see mcp/server-pool.ts): no transport, stream or server is built for it.
   */
  private async handleInProcess(
    request: Request,
    message: JSONRPCRequest,
    authInfo: AuthInfo,
    info: McpRequestInfo,
  ): Promise<Response> {
    const pooled = await this.pool.acquire(info.principal);
    let answer: JSONRPCMessage;
    try {
      applyToolScopes(pooled.server, info.principal);
      applyPromptScopes(pooled.server, info.principal);
      const denied = this.denied(pooled.server, info, message);
      if (denied) return denied;
      answer = await pooled.transport.request(message, { authInfo, request });
    } finally {
      this.pool.release(info.principal, pooled);
    }
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
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
    const session = await this.sessions.resolve(sessionId, info.principal);
    if (!session) return jsonRpcErrorResponse(404, -32001, SESSION_NOT_FOUND);
    const response = await session.transport.handleRequest(request, {
      authInfo: toAuthInfo(info.principal, info.requestId),
    });
    return request.method === "GET" ? openStreamAtOnce(response) : response;
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
        this.sessions.add(id, {
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
      ...(events ? { eventStore: events.forSession(streams), retryInterval: STREAM_RETRY_MS } : {}),
      ...(onInitialized ? { onsessioninitialized: onInitialized } : {}),
      onsessionclosed: async (id) => {
        await this.options.store.delete(id);
        await events?.forgetSession(id);
        this.sessions.drop(id);
      },
    });
    streams.attach(transport);
    return transport;
  }

  private serverFor(principal: Principal): McpServer {
    const server = this.options.createServer(principal);
    applyToolScopes(server, principal);
    applyPromptScopes(server, principal);
    return server;
  }

  /**
   * A tools/call, prompts/get or completion/complete the caller's scopes do not allow is refused before
   * the SDK sees it.
   */
  private denied(server: McpServer, info: McpRequestInfo, body: unknown): Response | undefined {
    const access = info.rpc?.tool
      ? toolAccess(server, info.rpc.tool, info.principal)
      : promptAccess(server, body, info.principal);
    if (access.ok) return undefined;
    return (
      this.options.forbidden?.(access.scope, access.message) ??
      jsonRpcErrorResponse(403, -32000, access.message)
    );
  }

  private async rebuild(record: SessionRecord, principal: Principal): Promise<LiveSession> {
    const transport = this.transport(() => record.id);
    markInitialized(transport, record.id);
    const server = this.serverFor(principal);
    await server.connect(transport);
    const protocolVersion = negotiatedVersion(record.protocolVersion);
    restoreClient(server, record.clientCapabilities, record.clientInfo, protocolVersion);
    const session: LiveSession = {
      transport,
      server,
      principal: record.principal,
      lastTouchedAt: Date.now(),
      protocolVersion,
    };
    return session;
  }
}
