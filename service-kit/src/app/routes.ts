/**
 * The kit's routes, as plugins of the app built in build.ts (they run inside its request pipeline):
 * the MCP endpoint behind its guard, the OAuth metadata documents, health and readiness, and the
 * service's internal routes.
 */
import { type AnyElysia, Elysia } from "elysia";
import type { Principal } from "../auth/principal.ts";
import { type HealthState, livenessResponse, readinessResponse } from "../health.ts";
import { guardInternalRequest, type InternalApi, type InternalGuard } from "../http/internal-routes.ts";
import type { RequestContext } from "../http/request-context.ts";
import type { McpEndpoint, McpRequestInfo } from "../mcp/endpoint.ts";
import type { McpGuard } from "./guard.ts";

/**
 * What the kit's route hooks read: the request, and the context request-context.ts derives (present
 * on every route). Hooks take it destructured in their parameter list, never as one object: Elysia
 * reads each hook's source to decide what to prepare per request, and a hook that passes its whole
 * argument on (or uses it under a one-letter name, as the minified binary does) makes it copy the
 * headers, parse cookies and the query string, and re-wrap every answer for all routes.
 */
export interface KitHook {
  request: Request;
  context?: unknown;
}

const contextOf = (context: unknown): RequestContext => context as RequestContext;

const MCP_METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH"] as const;

export function mcpRoute(options: { path: string; endpoint: McpEndpoint; guard: McpGuard }): AnyElysia {
  const app = new Elysia({ name: "kit:mcp" });
  for (const method of MCP_METHODS) {
    app.route(
      method,
      options.path,
      async ({ request, context }: KitHook) => {
        const known = contextOf(context);
        const info: McpRequestInfo = {
          requestId: known.requestId,
          principal: known.principal as Principal,
        };
        try {
          return await options.endpoint.handle(request, info);
        } finally {
          known.rpc = info.rpc;
        }
      },
      {
        parse: "none",
        beforeHandle: ({ request, context }: KitHook) => options.guard(request, contextOf(context)),
      },
    );
  }
  return app;
}

/** Public, cacheable facts (RFC 9728) that browser-based clients fetch cross-origin. */
export function authMetadataRoutes(
  metadata: { paths: readonly string[]; document: unknown } | undefined,
): AnyElysia {
  const app = new Elysia({ name: "kit:auth-metadata" });
  for (const path of metadata?.paths ?? []) {
    app.get(path, () =>
      Response.json(metadata?.document, {
        headers: { "cache-control": "max-age=300", "access-control-allow-origin": "*" },
      }),
    );
  }
  return app;
}

/** /health and /ready at the root and under BASE_PATH. */
export function healthRoutes(options: { basePath: string; health: HealthState }): AnyElysia {
  const app = new Elysia({ name: "kit:health" });
  for (const prefix of options.basePath === "" ? [""] : ["", options.basePath]) {
    app.get(`${prefix}/health`, () => livenessResponse(options.health));
    app.get(`${prefix}/ready`, () => readinessResponse(options.health));
  }
  return app;
}

/** Root only: under BASE_PATH the load balancer would route the internet to them. */
export function internalRoutes(options: {
  internal: InternalApi | undefined;
  guard: Omit<InternalGuard, "token">;
  addressOf(request: Request): string;
}): AnyElysia {
  const app = new Elysia({ name: "kit:internal" });
  const guard: InternalGuard = { ...options.guard, token: options.internal?.token ?? (() => undefined) };
  for (const route of options.internal?.routes ?? []) {
    app.route(
      route.method,
      route.path,
      ({ request, context }: KitHook) => {
        const known = contextOf(context);
        const refused = guardInternalRequest(request, options.addressOf(request), guard, known);
        return refused ?? route.handle(request, known);
      },
      { parse: "none" },
    );
  }
  return app;
}
