/**
 * Guard of the service-to-service routes (product-service's reservation API). These move stock, so
 * a web page must never reach them, with or without the user's help:
 * - they are served at the root only, never under BASE_PATH, so the load balancer's path rule
 *   (`/product/*`) does not route the internet to them; order-service calls them over Service Connect;
 * - the Origin/Host check of every route applies (a page's cross-site request, DNS rebinding);
 * - the service token is always required: without one configured they answer 503, never serve;
 * - a POST must be `Content-Type: application/json`, which a page cannot send cross-site without a
 *   CORS preflight that is never granted (`text/plain` "simple" requests get 415);
 * - failed token tries count against the caller's address, so the token cannot be guessed at speed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { checkOriginAndHost, type OriginPolicy } from "./origin-guard.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { RequestContext } from "./request-context.ts";

export interface KitRoute {
  method: "GET" | "POST" | "DELETE";
  /** Served at this path, at the root only. */
  path: string;
  handle(request: Request, context: RequestContext): Promise<Response>;
}

export interface InternalApi {
  /** The current service token; undefined when none is configured (then every call gets 503). */
  token: () => string | undefined;
  routes: KitRoute[];
}

export interface InternalGuard {
  token: () => string | undefined;
  policy: OriginPolicy;
  /** Failed authentication per client address, shared with /mcp. */
  failures: RateLimiter;
}

function problem(
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error, message }, { status, headers });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Compares hashes so the time taken says nothing about how much of the token was right. */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function presentedToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  return request.headers.get("x-internal-token") ?? undefined;
}

function isJson(request: Request): boolean {
  const type = request.headers.get("content-type") ?? "";
  return /^application\/json\s*(;|$)/i.test(type.trim());
}

/** Undefined when the request may go on; otherwise the answer to send instead. */
export function guardInternalRequest(
  request: Request,
  address: string,
  guard: InternalGuard,
  context: RequestContext,
): Response | undefined {
  const verdict = checkOriginAndHost(request, guard.policy);
  if (!verdict.ok) return problem(verdict.status, "forbidden", verdict.message);
  const expected = guard.token();
  if (expected === undefined) {
    return problem(
      503,
      "not_configured",
      "The internal API is off: this server has no INTERNAL_TOKEN. Set the same INTERNAL_TOKEN on product-service and order-service (npm run dev does this).",
    );
  }
  const wait = guard.failures.blockedFor(address);
  if (wait !== undefined) {
    context.fields.rateLimited = true;
    context.fields.clientAddress = address;
    return problem(
      429,
      "rate_limited",
      `Too many failed token tries from this address; retry after ${wait} seconds with the right token.`,
      { "retry-after": String(wait) },
    );
  }
  const given = presentedToken(request);
  if (given === undefined || !sameToken(given, expected)) {
    guard.failures.take(address);
    context.fields.authFailure = given === undefined ? "no service token" : "wrong service token";
    context.fields.clientAddress = address;
    return problem(
      401,
      "unauthorized",
      "This internal API needs the service token: send Authorization: Bearer <INTERNAL_TOKEN> or X-Internal-Token.",
    );
  }
  if (request.method === "POST" && !isJson(request)) {
    return problem(
      415,
      "unsupported_media_type",
      "Send the body as JSON with Content-Type: application/json.",
    );
  }
  return undefined;
}
