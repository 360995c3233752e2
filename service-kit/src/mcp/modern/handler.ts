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
} from "@modelcontextprotocol/server";
import type { Logger } from "../../log.ts";

/**
 * True when the SDK would serve this POST as 2026-07-28 traffic, including the requests it refuses
 * on that path (an unsupported revision claim, a malformed envelope, headers that disagree with the
 * body). Requests that claim no revision (initialize, 2025 session traffic) are legacy.
 */
export function isModernRequest(request: Request, body: unknown): boolean {
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

export interface ModernLegOptions {
  log: Logger;
  keepAliveMs: number;
  maxBodyBytes: number;
}

export class ModernLeg {
  // The server each request is answered by, built (and scope-checked) by the endpoint for its caller.
  // Keyed by the request's AuthInfo, which the SDK hands to the factory unchanged.
  private readonly servers = new WeakMap<AuthInfo, McpServer>();
  private readonly handler: McpHttpHandler;

  constructor(options: ModernLegOptions) {
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

  /** Answers one modern request on `server`; `body` is the already parsed JSON body. */
  handle(request: Request, body: unknown, server: McpServer, authInfo: AuthInfo): Promise<Response> {
    this.servers.set(authInfo, server);
    return this.handler.fetch(request, { authInfo, parsedBody: body });
  }

  /** Aborts modern calls still running (shutdown, after the drain). */
  close(): Promise<void> {
    return this.handler.close();
  }
}
