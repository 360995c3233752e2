/**
 * One JSON line per request: request id, HTTP method, MCP method or tool, status and duration. The
 * same line carries the CloudWatch metrics (EMF), so a request costs one write.
 */
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { RequestContext } from "./request-context.ts";

export function writeRequestLog(
  log: Logger,
  metrics: Metrics,
  request: Request,
  status: number,
  context: RequestContext,
): void {
  const durationMs = Math.round((performance.now() - context.startedAt) * 100) / 100;
  const path = pathnameOf(request.url);
  const tool = context.rpc?.tool;
  log.info("request", {
    ...metrics.fields({
      Requests: 1,
      RequestLatency: durationMs,
      ...(status >= 500 ? { Http5xx: 1 } : {}),
      ...(tool ? { ToolCalls: 1 } : {}),
    }),
    requestId: context.requestId,
    httpMethod: request.method,
    path,
    status,
    durationMs,
    mcpMethod: context.rpc?.method,
    tool: context.rpc?.tool,
    protocol: context.rpc?.protocol,
    principal: context.principal?.id,
    ...context.fields,
  });
}

/** The path of an absolute URL, without parsing all of it (this runs once per request). */
export function pathnameOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.search(/[?#]/);
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end);
}
