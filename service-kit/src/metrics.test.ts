import { expect, test } from "bun:test";
import { createMetrics } from "./metrics.ts";

test("a metric line's directive names exactly the metrics it carries, in one fixed order", () => {
  const lines: string[] = [];
  const metrics = createMetrics("svc", (line) => lines.push(line));
  metrics.emit({ ToolCalls: 1, Requests: 1 });
  metrics.emit({ Requests: 1, ToolCalls: 1 });
  metrics.emit({ OrdersCreated: 2 });
  metrics.emit({});
  const names = lines.map((line) => {
    const record = JSON.parse(line) as {
      _aws: { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] };
    };
    return record._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => `${metric.Name}:${metric.Unit}`);
  });
  expect(names).toEqual([
    ["Requests:Count", "ToolCalls:Count"],
    ["Requests:Count", "ToolCalls:Count"],
    ["OrdersCreated:Count"],
  ]);
  expect(JSON.parse(lines[2] as string)).toMatchObject({ Service: "svc", OrdersCreated: 2 });
});

test("a request line's fields carry a latency in milliseconds and whatever the caller adds", () => {
  const metrics = createMetrics("svc", () => undefined);
  const fields = metrics.fields({ Requests: 1, RequestLatency: 2.5, Http5xx: 1 });
  fields.extra = "kept";
  expect(fields).toMatchObject({
    Service: "svc",
    Requests: 1,
    RequestLatency: 2.5,
    Http5xx: 1,
    extra: "kept",
  });
  expect(JSON.stringify(fields._aws)).toContain('{"Name":"RequestLatency","Unit":"Milliseconds"}');
});
