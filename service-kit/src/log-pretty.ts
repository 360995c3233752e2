/**
 * One short line per event for a person at a terminal (`npm run dev`, LOG_FORMAT=pretty):
 *
 *   14:02:07.331 INFO  product-service request POST /mcp 200 3.2ms tools/call get_product principal=alice
 *
 * Time of day (UTC), level, service, message, then the fields. A request line shows its method, path,
 * status, duration and MCP method/tool bare. CloudWatch's metrics block (`_aws`) is never shown.
 */

/** Fields shown by value alone, in this order, right after the message. */
const BARE = ["httpMethod", "path", "status", "durationMs", "mcpMethod", "tool"] as const;
/** Fields the line's head already shows, or that mean nothing to a person. */
const SHOWN_OR_HIDDEN = new Set<string>(["time", "level", "msg", "service", "_aws", ...BARE]);

function show(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? String(value);
}

export function prettyLine(record: Record<string, unknown>): string {
  const time = typeof record.time === "string" ? record.time.slice(11, 23) : "";
  const level = String(record.level ?? "")
    .toUpperCase()
    .padEnd(5);
  const parts = [time, level];
  if (record.service !== undefined) parts.push(String(record.service));
  parts.push(String(record.msg ?? ""));
  for (const key of BARE) {
    const value = record[key];
    if (value === undefined) continue;
    parts.push(key === "durationMs" ? `${show(value)}ms` : show(value));
  }
  for (const key in record) {
    if (!SHOWN_OR_HIDDEN.has(key)) parts.push(`${key}=${show(record[key])}`);
  }
  return parts.join(" ");
}
