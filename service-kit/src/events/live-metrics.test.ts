import { expect, test } from "bun:test";
import { createMetrics } from "../metrics.ts";
import { LiveUpdateCounters } from "./live-metrics.ts";

test("live-update metrics: listeners now, notifications since the last line, silence when idle", () => {
  const lines: Record<string, unknown>[] = [];
  const metrics = createMetrics("order-service", (line) => lines.push(JSON.parse(line)));
  const counters = new LiveUpdateCounters();
  expect(counters.flush(metrics, 0)).toBeUndefined();
  counters.sent(3);
  counters.sent(2);
  expect(counters.flush(metrics, 4)).toEqual({ LiveListeners: 4, LiveNotificationsSent: 5 });
  // The drop to zero listeners is written once, then nothing while idle.
  expect(counters.flush(metrics, 0)).toEqual({ LiveListeners: 0, LiveNotificationsSent: 0 });
  expect(counters.flush(metrics, 0)).toBeUndefined();
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({ Service: "order-service", LiveListeners: 4, LiveNotificationsSent: 5 });
  const aws = lines[0]?._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } | undefined;
  const names = aws?.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name);
  expect(names).toEqual(["LiveListeners", "LiveNotificationsSent"]);
});
