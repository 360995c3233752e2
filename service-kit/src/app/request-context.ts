/**
 * The first plugin every answered request goes through: its context (request id, principal, log
 * fields), its place among the requests shutdown waits for, and the body limit, checked on the
 * declared length before anything reads the body.
 */
import { type AnyElysia, Elysia } from "elysia";
import { newRequestContext } from "../http/request-context.ts";
import { jsonRpcErrorResponse } from "../mcp/json-rpc.ts";
import type { InFlightTracker } from "../shutdown.ts";

export function requestContext(options: { inFlight: InFlightTracker; maxBodyBytes: number }): AnyElysia {
  return new Elysia({ name: "kit:request-context" })
    .derive({ as: "global" }, ({ request }) => ({
      context: newRequestContext(request),
      /** Marks the request done for shutdown's drain (called by the request log). */
      done: options.inFlight.begin(),
    }))
    .onBeforeHandle({ as: "global" }, ({ request }) => {
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (declared <= options.maxBodyBytes) return undefined;
      return jsonRpcErrorResponse(
        413,
        -32000,
        `Request body too large: the limit is ${options.maxBodyBytes} bytes.`,
      );
    });
}
