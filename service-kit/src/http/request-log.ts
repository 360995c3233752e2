/**
 * One JSON line per request: request id, HTTP method, MCP method or tool, status and duration. The
 * same line carries the CloudWatch metrics (EMF), so a request costs one write.
 */
import type { Logger } from "../log.ts";
import type { Metrics, MetricValues } from "../metrics.ts";
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
  const values: MetricValues = { Requests: 1, RequestLatency: durationMs };
  if (status >= 500) values.Http5xx = 1;
  if (tool) values.ToolCalls = 1;
  // Filled in place, in the order the line shows them: this runs once per request, and a spread of
  // the metric fields (then of the context's) would copy the record twice.
  const fields = metrics.fields(values);
  fields.requestId = context.requestId;
  fields.httpMethod = request.method;
  fields.path = path;
  fields.status = status;
  fields.durationMs = durationMs;
  fields.mcpMethod = context.rpc?.method;
  fields.tool = tool;
  fields.protocol = context.rpc?.protocol;
  fields.principal = context.principal?.id;
  for (const key in context.fields) fields[key] = context.fields[key];
  log.info("request", fields);
}

/** The path of an absolute URL, without parsing all of it (this runs once per request). */
export function pathnameOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  const fragment = url.indexOf("#", start);
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}
