/**
 * The direct path for a plain 2026-07-28 `tools/call` (plain-call.ts), and for one in a 2025 session
 * (session-call.ts): the call is answered on a pooled server (legacy/server-pool.ts) by
 * sdk/internals.ts `answerToolCall`, instead of going through the SDK's createMcpHandler or the
 * session's transport. What those entries do per request and what is skipped here:
 * - classifying the body and validating the envelope and headers with zod: plain-call.ts accepts only
 *   what those checks accept unchanged, and hands everything else to the SDK;
 * - checking the client capabilities the method requires: tools/call requires none;
 * - x-mcp-header parameter headers and scope challenges: a tool that declares either goes to the SDK;
 * - seeding the server from the envelope: done here (revision, client info, capabilities);
 * - connecting and closing a per-request transport, and Protocol's dispatch around the handler (era
 *   gate, abort bookkeeping, the transport round trip): nothing a plain call can need.
 * The SDK still serves the call itself: its request schema, the tool lookup, input validation, the
 * handler, output validation, the result's projection, its result schema and the era's encoding. The
 * answer is the JSON one the SDK gives a call that sends nothing before its result: a plain call has
 * no progress token, and the callers bring only calls that cannot ask the client. A 2026-07-28 plain
 * call declares no capabilities (and asks, if at all, with a result); a 2025 one comes here only when
 * it is answered in JSON, which makes `call.confirm` say "cannot-ask" (mcp/confirmation.ts), as it
 * does on the SDK's path. So a kit tool that may ask (create_order) is served here too.
 * direct-calls.test.ts, session-calls.test.ts and stateless-calls.test.ts compare both paths, byte
 * for byte.
 */
import type { AuthInfo, JSONRPCMessage, JSONRPCRequest, McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "../../auth/principal.ts";
import { StatelessServerPool } from "../legacy/server-pool.ts";
import { applyPromptScopes } from "../prompt-scopes.ts";
import type { McpRequestInfo, ScopeCheck } from "../request-info.ts";
import { answerToolCall, restoreClient } from "../sdk/internals.ts";
import { applyToolScopes, kitToolServedAsIs } from "../tools.ts";

/** One plain tools/call, and what the server that answers it must know of its client. */
export interface DirectCall {
  message: JSONRPCRequest;
  name: string;
  /** The revision, client info and capabilities: the envelope's, or the 2025 session's. */
  client: { protocolVersion: string; clientInfo: unknown; capabilities: unknown };
  /** Headers the SDK's answer carries besides the content type (a 2025 session's id). */
  headers?: Record<string, string>;
}

export class DirectCalls {
  // Every request seeds the server it borrows completely (restoreClient), so one pool serves both
  // eras; it is not the 2025 stateless pool, whose servers must stay unseeded.
  private readonly pool: StatelessServerPool;
  private served = 0;

  constructor(
    build: (principal: Principal) => McpServer,
    private readonly denied: ScopeCheck,
  ) {
    this.pool = new StatelessServerPool(build);
  }

  /**
   * The answer to `call`, or undefined when the SDK must serve it after all (a tool not registered
   * through the kit, or one with parameter headers or a scope challenge). The caller answers 2025
   * calls here only in JSON (see above).
   */
  async serve(
    request: Request,
    call: DirectCall,
    info: McpRequestInfo,
    authInfo: AuthInfo,
  ): Promise<Response | undefined> {
    const pooled = this.pool.takeIdle(info.principal) ?? (await this.pool.acquire(info.principal));
    let answer: JSONRPCMessage;
    try {
      const { server } = pooled;
      if (!kitToolServedAsIs(server, call.name)) return undefined;
      applyToolScopes(server, info.principal);
      applyPromptScopes(server, info.principal);
      const denied = this.denied(server, info, call.message);
      if (denied) {
        this.served++;
        return denied;
      }
      // What the SDK seeds a server with from the envelope, or what a 2025 session negotiated.
      const { client } = call;
      restoreClient(server, client.capabilities, client.clientInfo, client.protocolVersion);
      answer = await answerToolCall(server, call.message, { authInfo, request });
    } finally {
      this.pool.release(info.principal, pooled);
    }
    this.served++;
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "content-type": "application/json", ...call.headers },
    });
  }

  /** Calls answered here (the rest went to the SDK): lets tests see which path served a request. */
  get servedCount(): number {
    return this.served;
  }

  /** Counts a call answered by `answerToolCall` elsewhere: a 2025 stateless one (legacy/handler.ts). */
  countServedElsewhere(): void {
    this.served++;
  }

  clear(): void {
    this.pool.clear();
  }
}
