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
  return new Elysia({ name: "kit:errors" }).onError({ as: "global" }, (hook) => {
    // Set when a route matched (request-context.ts ran): the error came from the kit or the service.
    const context = (hook as { context?: RequestContext }).context;
    if (context === undefined || hook.code === "NOT_FOUND") {
      return fallbackResponse(hook.code, options.mcpPath, options.basePath);
    }
    const error = hook.error;
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
  });
}
