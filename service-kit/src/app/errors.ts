/**
 * What a failure becomes. A route that throws answers 503 when the database is unavailable (retryable,
 * not the caller's fault) and 500 with the request id otherwise, never a stack trace; a request no
 * route matches gets a 404 naming the real endpoints.
 */
import { type AnyElysia, Elysia } from "elysia";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from "../db.ts";
import { fallbackResponse } from "../http/fallback.ts";
import type { RequestContext } from "../http/request-context.ts";
import type { Logger } from "../log.ts";
import { jsonRpcErrorResponse } from "../mcp/json-rpc.ts";

export function errorAnswers(options: { log: Logger; mcpPath: string; basePath: string }): AnyElysia {
  // Destructured in the parameter list, for Elysia's inference (see KitHook in routes.ts).
  const hook = ({ code, error, context }: ErrorHook): Response => {
    // Set when a route matched (request-context.ts ran): the error came from the kit or the service.
    if (context === undefined || code === "NOT_FOUND") {
      return fallbackResponse(code, options.mcpPath, options.basePath);
    }
    if (isDatabaseUnavailable(error)) {
      options.log.warn("database unavailable", { requestId: context.requestId, error: String(error) });
      return jsonRpcErrorResponse(503, -32000, DATABASE_UNAVAILABLE_MESSAGE, { "retry-after": "2" });
    }
    options.log.error("request failed", { requestId: context.requestId, error: String(error) });
    return jsonRpcErrorResponse(
      500,
      -32603,
      `Internal error (request id ${context.requestId}). Retry later.`,
    );
  };
  return new Elysia({ name: "kit:errors" }).onError({ as: "global" }, hook);
}

interface ErrorHook {
  code: unknown;
  error: unknown;
  context?: RequestContext;
}
