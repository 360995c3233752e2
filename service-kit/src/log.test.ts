import { describe, expect, test } from "bun:test";
import { newRequestContext, type RequestContext } from "./http/request-context.ts";
import { writeRequestLog } from "./http/request-log.ts";
import { createLogger, resolveLogFormat } from "./log.ts";
import { summarizeRpc } from "./mcp/json-rpc.ts";
import { createMetrics, noMetrics } from "./metrics.ts";

function capture(): { lines: Record<string, unknown>[]; sink: (line: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}

test("a line has time, level, message, base fields and the call's fields, with secrets replaced", () => {
  const { lines, sink } = capture();
  const log = createLogger("info", { service: "s" }, sink);
  log.info("hello", { requestId: "r1", Authorization: "Bearer abc", db_password: "pw", skipped: undefined });
  log.debug("not written");
  expect(lines).toHaveLength(1);
  const [line] = lines;
  expect(line).toMatchObject({
    level: "info",
    msg: "hello",
    service: "s",
    requestId: "r1",
    Authorization: "[redacted]",
    db_password: "[redacted]",
  });
  expect(typeof line?.time).toBe("string");
  expect(line && "skipped" in line).toBe(false);
});

test("a child logger redacts its own fields, and a call's fields win over the base", () => {
  const { lines, sink } = capture();
  const child = createLogger("debug", { service: "s" }, sink).child({ token: "t", component: "c" });
  child.debug("x", { component: "override" });
  expect(lines[0]).toMatchObject({ token: "[redacted]", component: "override", service: "s" });
});

test("URL credentials in messages and text fields are hidden, e-mail principals are not", () => {
  const { lines, sink } = capture();
  const log = createLogger("info", {}, sink);
  log.error("could not connect to postgres://app:s3cret@db/shop", {
    error: "connect ECONNREFUSED postgres://app:s3cret@db:5432/shop",
    principal: "alice@example.com",
  });
  const text = JSON.stringify(lines);
  expect(text).not.toContain("s3cret");
  expect(lines[0]).toMatchObject({
    principal: "alice@example.com",
    error: expect.stringContaining("app:***@db"),
  });
});

describe("LOG_FORMAT", () => {
  test("auto is pretty on a terminal and JSON anywhere else; json and pretty are taken as set", () => {
    expect(resolveLogFormat("auto", true)).toBe("pretty");
    expect(resolveLogFormat("auto", false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("pretty", false)).toBe("pretty");
  });

  test("a pretty request line is one short line without the metrics block, secrets still replaced", () => {
    const lines: string[] = [];
    const log = createLogger("info", { service: "product-service" }, (line) => lines.push(line), "pretty");
    const request = new Request("http://127.0.0.1:3001/mcp?x=1", { method: "POST" });
    const context: RequestContext = { ...newRequestContext(request), principal: { id: "alice", scopes: [] } };
    context.rpc = summarizeRpc({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "get_product" },
    });
    writeRequestLog(log, noMetrics, request, 200, context);
    log.warn("key refused", { token: "rmcp_secret", reason: "expired key" });
    expect(lines).toHaveLength(2);
    const [requestLine = "", warnLine = ""] = lines;
    expect(requestLine).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}product-service request POST \/mcp 200 [\d.]+ms tools\/call get_product requestId=\S+ principal=alice$/,
    );
    expect(requestLine).not.toContain("_aws");
    expect(requestLine).not.toContain("{");
    expect(warnLine).toMatch(/ WARN {2}product-service key refused token=\[redacted\] reason="expired key"$/);
  });

  test("JSON stays the default, with the metrics block on request lines", () => {
    const lines: string[] = [];
    const log = createLogger("info", { service: "s" }, (line) => lines.push(line));
    const request = new Request("http://127.0.0.1:3001/mcp", { method: "POST" });
    writeRequestLog(
      log,
      createMetrics("s", () => undefined),
      request,
      200,
      newRequestContext(request),
    );
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ msg: "request", _aws: { CloudWatchMetrics: [{}] } });
  });
});

test("a JSON request line has its fields in a fixed order, undefined ones left out", () => {
  const lines: string[] = [];
  const log = createLogger("info", { service: "s" }, (line) => lines.push(line));
  const request = new Request("http://127.0.0.1:3001/mcp?x=1", { method: "POST" });
  const context: RequestContext = {
    ...newRequestContext(request),
    requestId: "r-1",
    principal: { id: "alice", scopes: [] },
    fields: { rateLimited: true, requestId: "r-2" },
  };
  context.rpc = summarizeRpc({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "get_product" },
  });
  const metrics = createMetrics("s", () => undefined);
  writeRequestLog(log, metrics, request, 503, context);
  context.rpc = undefined;
  writeRequestLog(log, metrics, request, 200, context);
  const [first = "", second = ""] = lines.map((line) =>
    line
      .replace(/"time":"[^"]+"/, '"time":"T"')
      .replace(/"Timestamp":\d+/, '"Timestamp":0')
      .replace(/"(RequestLatency|durationMs)":[\d.]+/g, '"$1":1'),
  );
  const directive = (names: string[]): string =>
    `{"Timestamp":0,"CloudWatchMetrics":[{"Namespace":"RetailMcp","Dimensions":[["Service"]],"Metrics":[${names
      .map((name) => `{"Name":"${name}","Unit":"${name === "RequestLatency" ? "Milliseconds" : "Count"}"}`)
      .join(",")}]}]}`;
  expect(first).toBe(
    `{"time":"T","level":"info","msg":"request","service":"s","_aws":${directive(["Requests", "RequestLatency", "Http5xx", "ToolCalls"])},"Service":"s","Requests":1,"RequestLatency":1,"Http5xx":1,"ToolCalls":1,"requestId":"r-2","httpMethod":"POST","path":"/mcp","status":503,"durationMs":1,"mcpMethod":"tools/call","tool":"get_product","principal":"alice","rateLimited":true}`,
  );
  expect(second).toBe(
    `{"time":"T","level":"info","msg":"request","service":"s","_aws":${directive(["Requests", "RequestLatency"])},"Service":"s","Requests":1,"RequestLatency":1,"requestId":"r-2","httpMethod":"POST","path":"/mcp","status":200,"durationMs":1,"principal":"alice","rateLimited":true}`,
  );
});

test("lines written in one millisecond share its time text, and the time moves on after it", async () => {
  const times: string[] = [];
  const log = createLogger("info", {}, (line) => times.push(String(JSON.parse(line).time)));
  const before = Date.now();
  log.info("a");
  await Bun.sleep(3);
  log.info("b");
  const [a = "", b = ""] = times;
  expect(Date.parse(a)).toBeGreaterThanOrEqual(before);
  expect(Date.parse(b)).toBeGreaterThan(Date.parse(a));
  expect(b).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
