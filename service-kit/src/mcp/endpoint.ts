/**
 * The one place that mounts the MCP SDK's Streamable HTTP transport. Each request is routed by the
 * protocol era it claims: 2026-07-28 requests go to the SDK's per-request handler (modern/), the 2025
 * revisions to sessions any instance can serve, or statelessly when they carry no session id
 * (legacy/). Scope checks are the same for both.
 */

import type { McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/principal.ts";
import type { DatabaseHandle } from "../db.ts";
import type { ChangeBus } from "../events/change-bus.ts";
import type { Logger } from "../log.ts";
import { DirectCalls } from "./direct/direct-calls.ts";
import { plainToolCall } from "./direct/plain-call.ts";
import { jsonRpcErrorResponse, summarizeRpc } from "./json-rpc.ts";
import type { DatabaseEventStore } from "./legacy/event-store.ts";
import { LegacyLeg } from "./legacy/handler.ts";
import type { SessionStore } from "./legacy/session-store.ts";
import { ResourceSubscriptions } from "./legacy/subscriptions.ts";
import { claimedRevision, isModernRequest, ModernLeg } from "./modern/handler.ts";
import { ListenLeg } from "./modern/listen.ts";
import { applyPromptScopes, promptAccess } from "./prompt-scopes.ts";
import { readMcpPost, toAuthInfo } from "./read-post.ts";
import type { McpRequestInfo } from "./request-info.ts";
import { resourceAccess } from "./resource-scopes.ts";
import { applyToolScopes, toolAccess } from "./tools.ts";

export type { McpRequestInfo } from "./request-info.ts";

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
  /** Makes SSE streams resumable with Last-Event-ID, on any instance (see legacy/event-store.ts). */
  events?: DatabaseEventStore;
  /** Live sessions one principal may hold across all instances; 0 or unset: no cap. */
  maxSessionsPerPrincipal?: number;
  /** Live updates: change events of every instance, for listen streams and 2025 subscriptions. */
  live?: LiveUpdateOptions;
  /**
   * Serve plain 2026-07-28 tool calls on the direct path (direct/direct-calls.ts); default true. Off,
   * every modern request goes through the SDK's entry: the differential test compares the two.
   */
  directCalls?: boolean;
}

export interface LiveUpdateOptions {
  bus: ChangeBus;
  /** What 2025 sessions subscribed to is kept here (any instance may take the subscribe). */
  db: DatabaseHandle;
  maxListenPerPrincipal: number;
  maxListenPerInstance: number;
  /** Called with how many notifications went out (metrics). */
  onSent?: (count: number) => void;
}

export class McpEndpoint {
  private readonly legacy: LegacyLeg;
  private readonly modern: ModernLeg;
  private readonly listen: ListenLeg | undefined;
  private readonly direct: DirectCalls | undefined;
  private readonly subscriptions: ResourceSubscriptions | undefined;

  constructor(private readonly options: McpEndpointOptions) {
    const { live } = options;
    this.subscriptions = live
      ? new ResourceSubscriptions({
          db: live.db,
          bus: live.bus,
          log: options.log,
          onSent: live.onSent,
          sessions: () => this.legacy.liveSessions(),
        })
      : undefined;
    this.listen = live
      ? new ListenLeg({
          bus: live.bus,
          log: options.log,
          keepAliveMs: options.keepAliveMs,
          maxPerPrincipal: live.maxListenPerPrincipal,
          maxPerInstance: live.maxListenPerInstance,
          onSent: () => live.onSent?.(1),
        })
      : undefined;
    // Every server declares resource subscriptions when live updates run (both eras read the capability).
    const createServer = (principal: Principal): McpServer => {
      const server = options.createServer(principal);
      this.subscriptions?.attach(server);
      return server;
    };
    this.modern = new ModernLeg({ ...options, build: createServer });
    this.direct =
      options.directCalls === false
        ? undefined
        : new DirectCalls(createServer, (server, info, body) => this.denied(server, info, body));
    this.legacy = new LegacyLeg({
      ...options,
      createServer,
      denied: (server, info, body) => this.denied(server, info, body),
      ...(this.direct ? { direct: this.direct } : {}),
      ...(live ? { endings: live.bus } : {}),
    });
  }

  /** Open live-update streams here: 2026-07-28 listen streams and 2025 GET streams that can be told. */
  get liveStreams(): { listen: number; sessions: number } {
    return { listen: this.listen?.openCount ?? 0, sessions: this.subscriptions?.openStreamCount ?? 0 };
  }

  /** Plain 2026-07-28 tool calls answered on the direct path since start. */
  get directCallCount(): number {
    return this.direct?.servedCount ?? 0;
  }

  get liveSessionCount(): number {
    return this.legacy.liveSessionCount;
  }

  /** Forgets idle sessions here and in the database. */
  sweep(now: number = Date.now()): Promise<void> {
    return this.legacy.sweep(now);
  }

  /** Ends open listen streams gracefully and refuses new ones: the first step of shutdown. */
  endLiveStreams(): Promise<void> {
    return this.listen?.close() ?? Promise.resolve();
  }

  /** Closes this instance's transports; sessions stay in the database for the other instances. */
  async closeAll(): Promise<void> {
    await this.listen?.close();
    this.subscriptions?.close();
    this.direct?.clear();
    await this.modern.close();
    await this.legacy.close();
  }

  async handle(request: Request, info: McpRequestInfo): Promise<Response> {
    switch (request.method) {
      case "POST":
        return this.handlePost(request, info);
      case "GET":
      case "DELETE":
        info.rpc = {
          method: request.method === "GET" ? "stream" : "end-session",
          isInitialize: false,
          hasProgressToken: false,
        };
        return this.legacy.handleSessionRequest(request, info);
      default:
        return jsonRpcErrorResponse(405, -32000, "Method not allowed: use POST, GET or DELETE.", {
          allow: "GET, POST, DELETE, OPTIONS",
        });
    }
  }

  private async handlePost(request: Request, info: McpRequestInfo): Promise<Response> {
    const post = await readMcpPost(request, this.options.maxBodyBytes);
    if (!post.ok) return post.response;
    const { body } = post;
    const rpc = summarizeRpc(body);
    info.rpc = rpc;
    const authInfo = toAuthInfo(info.principal, info.requestId);
    if (!isModernRequest(request, body))
      return this.legacy.handlePost(request, post, { ...info, rpc }, authInfo);
    // 2026-07-28: one request, no session (see modern/handler.ts).
    rpc.protocol = claimedRevision(body);
    const plain = this.direct && plainToolCall(request.headers, body);
    if (plain) {
      const answered = await this.direct?.serve(request, plain, info, authInfo);
      if (answered) return answered;
    }
    const server = this.modern.acquire(info.principal);
    applyToolScopes(server, info.principal);
    applyPromptScopes(server, info.principal);
    const denied = this.denied(server, info, body);
    if (denied) return denied;
    if (this.listen && rpc.method === "subscriptions/listen")
      return this.listen.handle(request, body, server, authInfo, info.principal.id);
    return this.modern.handle(request, body, server, authInfo);
  }

  /**
   * A tools/call, prompts/get, completion/complete, resources/subscribe or subscriptions/listen the
   * caller's scopes do not allow is refused before the SDK sees it.
   */
  private denied(server: McpServer, info: McpRequestInfo, body: unknown): Response | undefined {
    const access = info.rpc?.tool
      ? toolAccess(server, info.rpc.tool, info.principal)
      : promptAccess(server, body, info.principal);
    const decision = access.ok ? resourceAccess(server, body, info.principal) : access;
    if (decision.ok) return undefined;
    return (
      this.options.forbidden?.(decision.scope, decision.message) ??
      jsonRpcErrorResponse(403, -32000, decision.message)
    );
  }
}
