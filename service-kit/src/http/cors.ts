/**
 * CORS for browser MCP clients (the Inspector, web apps). The session id must be readable by the
 * page, and the headers the spec makes clients send must be allowed in preflight.
 */
import { isOriginAllowed, type OriginPolicy } from "./origin-guard.ts";

const ALLOWED_HEADERS =
  "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id, x-request-id";
const EXPOSED_HEADERS = "mcp-session-id, mcp-protocol-version, www-authenticate, retry-after, x-request-id";

export function corsHeaders(request: Request, policy: OriginPolicy): Record<string, string> {
  const origin = request.headers.get("origin");
  if (origin === null || !isOriginAllowed(origin, policy)) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSED_HEADERS,
    vary: "Origin",
  };
}

export function preflightResponse(request: Request, policy: OriginPolicy): Response {
  const headers = corsHeaders(request, policy);
  if (!headers["access-control-allow-origin"]) return new Response(null, { status: 403 });
  return new Response(null, {
    status: 204,
    headers: {
      ...headers,
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
    },
  });
}
