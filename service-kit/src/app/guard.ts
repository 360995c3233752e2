/**
 * The guard in front of the MCP endpoint: Origin/Host (DNS rebinding, cross-site pages), then the
 * caller's credentials, then the rate limits. It runs as the MCP route's beforeHandle, after the
 * request context and the body limit; internal routes have their own guard (http/internal-routes.ts).
 */
import type { Authenticator } from "../auth/authenticator.ts";
import { checkOriginAndHost, type OriginPolicy } from "../http/origin-guard.ts";
import { failedAuthLimitResponse, type RateLimiter, rateLimitResponse } from "../http/rate-limit.ts";
import type { RequestContext } from "../http/request-context.ts";
import { jsonRpcErrorResponse } from "../mcp/json-rpc.ts";

export interface McpGuardOptions {
  policy: OriginPolicy;
  auth: Authenticator;
  limiter: RateLimiter;
  perMinute: number;
  failures: RateLimiter;
  addressOf(request: Request): string;
}

/** Undefined when the request may go on (with `context.principal` set); otherwise the refusal. */
export type McpGuard = (request: Request, context: RequestContext) => Promise<Response | undefined>;

export function mcpGuard(options: McpGuardOptions): McpGuard {
  const { auth, failures, limiter } = options;
  return async (request, context) => {
    const verdict = checkOriginAndHost(request, options.policy);
    if (!verdict.ok) return jsonRpcErrorResponse(verdict.status, -32000, verdict.message);
    // Callers without valid credentials are limited per address, and refused before their credentials
    // are checked, so keys and tokens cannot be guessed at speed (AUTH_MODE=none never fails). The
    // address costs a system call, so it is looked up only when it decides something: while no
    // address has failed, none can be blocked.
    const checksFailures = auth.mode !== "none" && failures.enabled && failures.size > 0;
    let address = checksFailures ? options.addressOf(request) : undefined;
    const wait = address === undefined ? undefined : failures.blockedFor(address);
    if (wait !== undefined) {
      context.fields.rateLimited = true;
      context.fields.clientAddress = address;
      return failedAuthLimitResponse(wait);
    }
    const outcome = await auth.authenticate(request);
    if (!outcome.ok) {
      address ??= auth.mode === "none" ? "" : options.addressOf(request);
      if (address !== "") failures.take(address);
      context.fields.authFailure = outcome.reason;
      // Who is failing: lets an operator see a guessing address (never the credential itself).
      context.fields.clientAddress = address;
      return outcome.response;
    }
    context.principal = outcome.principal;
    // An allowance that is off takes nothing from anyone: no key (nor address) is needed for it.
    if (!limiter.enabled) return undefined;
    // Without auth every caller is the same principal: count them by address instead, so one client
    // cannot use up everybody's allowance.
    const allowance = limiter.take(
      auth.mode === "none" ? `address ${options.addressOf(request)}` : outcome.principal.id,
    );
    if (!allowance.ok) {
      context.fields.rateLimited = true;
      return rateLimitResponse(allowance.retryAfterSeconds, options.perMinute);
    }
    return undefined;
  };
}
