/**
 * The last plugin of an answered request: the X-Request-Id header, one log line (and metrics), and the
 * end of the request for shutdown's drain, which for a POST answered with SSE is when its stream ends.
 */
import { type AnyElysia, Elysia } from "elysia";
import type { RequestContext } from "../http/request-context.ts";
import { writeRequestLog } from "../http/request-log.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { trackStream } from "../shutdown.ts";

export function requestLog(options: { log: Logger; metrics: Metrics }): AnyElysia {
  // Destructured in the parameter list, for Elysia's inference (see KitHook in routes.ts).
  const hook = ({ request, responseValue, context, done }: LogHook): Response | undefined => {
    if (!(responseValue instanceof Response) || context === undefined || done === undefined) return undefined;
    responseValue.headers.set("x-request-id", context.requestId);
    writeRequestLog(options.log, options.metrics, request, responseValue.status, context);
    // A POST answered with SSE is a request still running (a tool call); a GET stream is only a
    // channel that shutdown closes, so waiting for it would always run the drain to its limit.
    const streaming =
      request.method === "POST" &&
      responseValue.headers.get("content-type")?.startsWith("text/event-stream") === true;
    if (streaming) return trackStream(responseValue, done);
    done();
    return responseValue;
  };
  return new Elysia({ name: "kit:request-log" }).mapResponse({ as: "global" }, hook);
}

interface LogHook {
  request: Request;
  responseValue: unknown;
  context?: RequestContext;
  done?: () => void;
}
