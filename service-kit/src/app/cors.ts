/**
 * CORS for browser MCP clients: the preflight route (answered bare, before the request pipeline, as
 * it carries no work) and the headers added to every answer an allowed origin gets.
 */
import { type AnyElysia, Elysia } from "elysia";
import { corsHeaders, preflightResponse } from "../http/cors.ts";
import type { OriginPolicy } from "../http/origin-guard.ts";

export function corsPreflight(options: { policy: OriginPolicy; mcpPath: string }): AnyElysia {
  return new Elysia({ name: "kit:cors-preflight" }).options(options.mcpPath, ({ request }) =>
    preflightResponse(request, options.policy),
  );
}

export function corsResponseHeaders(options: { policy: OriginPolicy }): AnyElysia {
  return new Elysia({ name: "kit:cors" }).mapResponse({ as: "global" }, ({ request, responseValue }) => {
    if (!(responseValue instanceof Response)) return undefined;
    // Most answers get none (no Origin): no entries array is made for them.
    const headers = corsHeaders(request, options.policy);
    for (const name in headers) responseValue.headers.set(name, headers[name] as string);
    return undefined;
  });
}
