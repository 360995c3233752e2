/**
 * The 2026-07-28 leg of the MCP endpoint. A modern request carries its protocol revision, client info
 * and capabilities in `_meta` (and the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers), so it is
 * answered by itself: no session, no database row, any instance. The SDK's `createMcpHandler` does the
 * protocol work (server/discover, the envelope, header/body agreement -32020, client capabilities
 * -32021, unsupported revisions -32022, ttlMs/cacheScope, input_required rounds, JSON or SSE per call);
 * the kit's guard (Origin/Host, auth, rate limit, body limit) has already run in front of it.
 */
import {
  type AuthInfo,
  classifyInboundRequest,
  createMcpHandler,
  type McpHttpHandler,
  type McpServer,
  PROTOCOL_VERSION_META_KEY,
} from "@modelcontextprotocol/server";
import type { Principal } from "../../auth/principal.ts";
import type { Logger } from "../../log.ts";
import { IdlePool } from "../idle-pool.ts";
import { asPlainRequest } from "../json-rpc.ts";

/** The first modern revision: the SDK treats every revision string from it on as modern. */
const FIRST_MODERN_REVISION = "2026-07-28";

/**
 * True when the SDK would serve this POST as 2026-07-28 traffic, including the requests it refuses
 * on that path (an unsupported revision claim, a malformed envelope, headers that disagree with the
 * body). Requests that claim no revision (initialize, 2025 session traffic) are legacy.
 *
 * The SDK's classifier validates the body with zod, and createMcpHandler classifies again: the two
 * shapes every real client sends are decided here without it, with the classifier's own rules
 * (@modelcontextprotocol/server classifyInboundRequest; modern/handler.test.ts compares both).
 */
export function isModernRequest(request: Request, body: unknown): boolean {
  const version = request.headers.get("mcp-protocol-version")?.trim();
  const headerNamesModern = version !== undefined && version >= FIRST_MODERN_REVISION;
  if (request.method === "POST" && isPlainObject(body)) {
    // A modern header on anything but a JSON-RPC response is served, or refused, as modern.
    if (headerNamesModern && !("result" in body) && !("error" in body)) return true;
    // A plain JSON-RPC request without _meta claims no revision: legacy, unless the header names one.
    if (!headerNamesModern && asPlainRequest(body)) return false;
  }
  const header = (name: string): string | undefined => request.headers.get(name) ?? undefined;
  const route = classifyInboundRequest({
    httpMethod: request.method,
    protocolVersionHeader: header("mcp-protocol-version"),
    mcpMethodHeader: header("mcp-method"),
    mcpNameHeader: header("mcp-name"),
    body,
  });
  return route.kind !== "legacy";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The revision a modern request claims in its `_meta` (for the request log). */
export function claimedRevision(body: unknown): string | undefined {
  const meta = (body as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta;
  const claim = meta?.[PROTOCOL_VERSION_META_KEY];
  return typeof claim === "string" ? claim.slice(0, 32) : undefined;
}

export interface ModernLegOptions {
  log: Logger;
  keepAliveMs: number;
  maxBodyBytes: number;
  /** Builds a server for one caller; the endpoint applies the caller's scopes on every request. */
  build: (principal: Principal) => McpServer;
  /** Idle servers kept across all callers; more are built under load and dropped after. */
  maxIdle?: number;
}

export class ModernLeg {
  // The server each request is answered by, taken by the endpoint for its caller (and scope-checked).
  // Keyed by the request's AuthInfo, which the SDK hands to the factory unchanged.
  private readonly servers = new WeakMap<AuthInfo, McpServer>();
  private readonly handler: McpHttpHandler;
  // Building a server (tools, schemas) costs more than answering a call, so each serves many requests,
  // one at a time and only for the caller it was built for. The SDK connects it to a fresh per-request
  // transport each time and seeds it from the request's _meta.
  private readonly idle: IdlePool<McpServer>;

  constructor(private readonly options: ModernLegOptions) {
    this.idle = new IdlePool(options.maxIdle ?? 64);
    this.handler = createMcpHandler(
      (ctx) => {
        const server = ctx.authInfo ? this.servers.get(ctx.authInfo) : undefined;
        if (!server) throw new Error("modern MCP request reached the SDK without a server for its caller");
        return server;
      },
      {
        // 2025-era requests never get here (the endpoint routes them to its sessions); any that did
        // would be refused with -32022 rather than served without the kit's session rules.
        legacy: "reject",
        responseMode: "auto",
        keepAliveMs: options.keepAliveMs,
        maxRequestBodySize: options.maxBodyBytes,
        // Refusals (bad envelope, header mismatch) are the client's mistake and already answered.
        onerror: (error) => options.log.debug("modern MCP request refused", { error: String(error) }),
      },
    );
  }

  /**
   * A server for `principal` that serves nothing else now: an idle one of this caller, or a new one.
   * It comes back by itself when the SDK closes its per-request transport; one the request never
   * reached (refused before dispatch) is simply dropped.
   */
  acquire(principal: Principal): McpServer {
    const server = this.idle.take(principal.id);
    if (server) return server;
    const built = this.options.build(principal);
    const previous = built.server.onclose;
    built.server.onclose = () => {
      previous?.();
      // Put back at most once (the pool refuses a second put), so two requests never share it.
      this.idle.put(principal.id, built);
    };
    return built;
  }

  /** Answers one modern request on `server`; `body` is the already parsed JSON body. */
  handle(request: Request, body: unknown, server: McpServer, authInfo: AuthInfo): Promise<Response> {
    this.servers.set(authInfo, server);
    return this.handler.fetch(request, { authInfo, parsedBody: body });
  }

  /** Aborts modern calls still running (shutdown, after the drain). */
  close(): Promise<void> {
    this.idle.drain();
    return this.handler.close();
  }
}
