/**
 * The 2025 leg of the MCP endpoint. Sessions are kept in memory for speed and in the database for
 * truth (see session-store.ts), so any instance can serve any session: a session unknown here is
 * rebuilt from its row. 2025 requests without a session id are served statelessly, the ones that
 * leave no state and want JSON on a pooled server with an in-process transport (server-pool.ts).
 */
import {
  type AuthInfo,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { Principal } from "../../auth/principal.ts";
import type { SessionEndings } from "../../events/session-endings.ts";
import { type ResponseMode, settleResponseMode } from "../../http/accept.ts";
import type { Logger } from "../../log.ts";
import type { DirectCalls } from "../direct/direct-calls.ts";
import { plainLegacyToolCall } from "../direct/plain-call.ts";
import { sessionToolCall } from "../direct/session-call.ts";
import { asPlainRequest, jsonRpcErrorResponse, type RpcSummary } from "../json-rpc.ts";
import { applyPromptScopes } from "../prompt-scopes.ts";
import { type McpPost, toAuthInfo } from "../read-post.ts";
import type { McpRequestInfo, ScopeCheck } from "../request-info.ts";
import {
  answerToolCall,
  dispatchRequest,
  markInitialized,
  restoreClient,
  setResponseMode,
} from "../sdk/internals.ts";
import { needsStream } from "../stream-need.ts";
import { applyToolScopes, kitToolAsksClient } from "../tools.ts";
import type { DatabaseEventStore } from "./event-store.ts";
import { type LiveSession, LiveSessions } from "./live-sessions.ts";
import {
  hasSupportedProtocolHeader,
  negotiatedVersion,
  withSessionProtocolVersion,
} from "./protocol-version.ts";
import { withRunningId } from "./running-ids.ts";
import { leavesNoState, StatelessServerPool } from "./server-pool.ts";
import { admitSession } from "./session-limits.ts";
import type { SessionRecord, SessionStore } from "./session-store.ts";
import { openStreamAtOnce } from "./sse-open.ts";
import { transportStreams } from "./transport-streams.ts";

export interface LegacyLegOptions {
  store: SessionStore;
  log: Logger;
  createServer: (principal: Principal) => McpServer;
  /** Refuses what the caller's scopes do not allow, before the SDK sees it. */
  denied: ScopeCheck;
  sessionTtlMs: number;
  keepAliveMs: number;
  maxBodyBytes: number;
  /** Makes SSE streams resumable with Last-Event-ID, on any instance (see event-store.ts). */
  events?: DatabaseEventStore;
  /** Live sessions one principal may hold across all instances; 0 or unset: no cap. */
  maxSessionsPerPrincipal?: number;
  /** Serves plain tools/calls of a session without its transport (direct/session-call.ts). */
  direct?: DirectCalls;
  /** Session endings across instances (the change bus): held sessions are then served from memory. */
  endings?: SessionEndings;
}

/** The `retry` (ms) sent in each stream's priming event: how soon a cut-off client reconnects. */
const STREAM_RETRY_MS = 1000;

const SESSION_NOT_FOUND =
  "Session not found: it expired or was closed. Start a new session by sending initialize without an Mcp-Session-Id header.";

export class LegacyLeg {
  private readonly pool = new StatelessServerPool((principal) => this.options.createServer(principal));
  private readonly sessions: LiveSessions;

  constructor(private readonly options: LegacyLegOptions) {
    this.sessions = new LiveSessions({
      store: options.store,
      log: options.log,
      ttlMs: options.sessionTtlMs,
      rebuild: (record, principal) => this.rebuild(record, principal),
      ...(options.endings ? { endings: options.endings } : {}),
    });
  }

  get liveSessionCount(): number {
    return this.sessions.size;
  }

  /** The sessions this instance holds, by id. */
  liveSessions(): IterableIterator<[string, LiveSession]> {
    return this.sessions.entries();
  }

  sweep(now: number): Promise<void> {
    return this.sessions.sweep(now);
  }

  async close(): Promise<void> {
    this.pool.clear();
    await this.sessions.closeAll();
  }

  /** A 2025 POST, already read and summarized into `info.rpc` by the endpoint. */
  async handlePost(
    request: Request,
    post: Extract<McpPost, { ok: true }>,
    info: McpRequestInfo & { rpc: RpcSummary },
    authInfo: AuthInfo,
  ): Promise<Response> {
    const { body, sdkRequest } = post;
    const { rpc } = info;
    // JSON unless the call needs a stream and the client accepts one (stream-need.ts).
    const modeOn = (server: McpServer): ResponseMode => {
      const mode = settleResponseMode(post.mode, needsStream(server, rpc));
      // A 2025 request answered in JSON has no stream for a server→client request (mcp/confirmation.ts).
      if (mode === "json") authInfo.extra = { ...authInfo.extra, answersInJson: true };
      return mode;
    };
    const sessionId = request.headers.get("mcp-session-id");

    if (sessionId === null) {
      rpc.protocol = rpc.isInitialize
        ? negotiatedVersion((body as { params?: { protocolVersion?: string } }).params?.protocolVersion)
        : request.headers.get("mcp-protocol-version")?.slice(0, 32);
      const plain = post.mode !== "sse" && leavesNoState(rpc.method) ? asPlainRequest(body) : undefined;
      if (plain && hasSupportedProtocolHeader(request)) {
        const answered = await this.handleInProcess(request, plain, authInfo, info, modeOn);
        if (answered) return answered;
      }
      let parsedBody = body;
      if (rpc.isInitialize) {
        const limited = await admitSession(body, info.principal.id, {
          store: this.options.store,
          maxSessions: this.options.maxSessionsPerPrincipal ?? 0,
          ttlMs: this.options.sessionTtlMs,
        });
        if (!limited.ok) return limited.response;
        parsedBody = limited.body;
      }
      const server = this.serverFor(info.principal);
      const denied = this.options.denied(server, info, body);
      if (denied) return denied;
      const transport = rpc.isInitialize
        ? this.newSessionTransport(server, parsedBody, info)
        : this.statelessTransport();
      await server.connect(transport);
      setResponseMode(transport, modeOn(server));
      return transport.handleRequest(sdkRequest(), { parsedBody, authInfo });
    }
    const session = await this.sessions.resolve(sessionId, info.principal);
    if (!session) return jsonRpcErrorResponse(404, -32001, SESSION_NOT_FOUND);
    rpc.protocol = session.protocolVersion;
    const direct = this.options.direct && sessionToolCall(request, body, session, sessionId);
    if (direct && modeOn(session.server) === "json") {
      const answered = await this.options.direct?.serve(request, direct, info, authInfo);
      if (answered) return answered;
    }
    const denied = this.options.denied(session.server, info, body);
    if (denied) return denied;
    return withRunningId(session.transport, body, () => {
      setResponseMode(session.transport, modeOn(session.server));
      const versioned = withSessionProtocolVersion(sdkRequest(), session.protocolVersion);
      return session.transport.handleRequest(versioned, { parsedBody: body, authInfo });
    });
  }

  /** GET (the session's stream) and DELETE (end the session). */
  async handleSessionRequest(request: Request, info: McpRequestInfo): Promise<Response> {
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

  /**
   * A stateless request answered in JSON, on a borrowed server that stays connected to its in-process
   * transport (see server-pool.ts): no transport, stream or server is built for it. Undefined when the
   * call needs a stream after all (a tool not registered through the kit, of which nothing is known):
   * the transport path serves it.
   */
  private async handleInProcess(
    request: Request,
    message: JSONRPCRequest,
    authInfo: AuthInfo,
    info: McpRequestInfo,
    modeOn: (server: McpServer) => ResponseMode,
  ): Promise<Response | undefined> {
    const pooled = this.pool.takeIdle(info.principal) ?? (await this.pool.acquire(info.principal));
    let answer: JSONRPCMessage;
    try {
      if (modeOn(pooled.server) !== "json") return undefined;
      applyToolScopes(pooled.server, info.principal);
      applyPromptScopes(pooled.server, info.principal);
      const denied = this.options.denied(pooled.server, info, message);
      if (denied) return denied;
      const call = this.options.direct && plainLegacyToolCall(request.headers, message);
      if (call && kitToolAsksClient(pooled.server, call.name) !== undefined) {
        // A plain call of a kit tool, answered as the direct path answers (stateless-calls.test.ts
        // compares it with the SDK's dispatch). Answered in JSON, it cannot ask the client (modeOn).
        answer = await answerToolCall(pooled.server, message, { authInfo, request });
        this.options.direct?.countServedElsewhere();
      } else {
        // A plain request (asPlainRequest): the transport's type guards are skipped (sdk/internals.ts).
        answer = await pooled.transport.request(message, { authInfo, request }, (plain, extra) =>
          dispatchRequest(pooled.server, plain, extra),
        );
      }
    } finally {
      this.pool.release(info.principal, pooled);
    }
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
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
        await this.options.store.delete(id, this.options.endings);
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

  private async rebuild(record: SessionRecord, principal: Principal): Promise<LiveSession> {
    const transport = this.transport(() => record.id);
    markInitialized(transport, record.id);
    const server = this.serverFor(principal);
    await server.connect(transport);
    const protocolVersion = negotiatedVersion(record.protocolVersion);
    restoreClient(server, record.clientCapabilities, record.clientInfo, protocolVersion);
    return {
      transport,
      server,
      principal: record.principal,
      lastTouchedAt: Date.now(),
      protocolVersion,
    };
  }
}
