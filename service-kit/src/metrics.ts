/**
 * CloudWatch Embedded Metric Format: a metric is a JSON log line with an `_aws` block, so the
 * service needs neither the CloudWatch agent nor an SDK call. Lines go to the same stdout as logs.
 */
import { stdoutSink } from "./log.ts";

export const METRIC_NAMESPACE = "RetailMcp";

export type MetricName =
  | "Requests"
  | "Http5xx"
  | "RequestLatency"
  | "ToolCalls"
  | "ToolErrors"
  | "OrdersCreated"
  | "OrdersRejected"
  | "LiveListeners"
  | "LiveNotificationsSent";

// In the order a request line carries them (the directives list metrics in this order).
const UNITS: Record<MetricName, "Count" | "Milliseconds"> = {
  Requests: "Count",
  RequestLatency: "Milliseconds",
  Http5xx: "Count",
  ToolCalls: "Count",
  ToolErrors: "Count",
  OrdersCreated: "Count",
  OrdersRejected: "Count",
  LiveListeners: "Count",
  LiveNotificationsSent: "Count",
};

export type MetricValues = Partial<Record<MetricName, number>>;

export interface Metrics {
  /** Writes a line of its own. */
  emit(values: MetricValues, properties?: Record<string, string | number>): void;
  /**
   * Fields that turn another JSON log line into a metric record, so a request costs one line. A new
   * object each call: the caller may add its own fields to it.
   */
  fields(values: MetricValues): Record<string, unknown>;
}

/** A bit per metric: which metrics a line carries, as a number (a key made without building a string). */
const METRIC_BITS = Object.fromEntries(Object.keys(UNITS).map((name, index) => [name, 2 ** index])) as Record<
  MetricName,
  number
>;

export function createMetrics(service: string, sink: (line: string) => void = stdoutSink): Metrics {
  // The directive depends only on which metrics a line carries, and lines repeat a few combinations;
  // every request line looks one up. It lists them in UNITS' order, whatever order the line has them in.
  const directives = new Map<number, unknown[]>();
  const directiveFor = (values: MetricValues): unknown[] => {
    let bits = 0;
    for (const name in values) bits |= METRIC_BITS[name as MetricName];
    let directive = directives.get(bits);
    if (!directive) {
      const names = (Object.keys(UNITS) as MetricName[]).filter((name) => (bits & METRIC_BITS[name]) !== 0);
      directive = [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [["Service"]],
          Metrics: names.map((name) => ({ Name: name, Unit: UNITS[name] })),
        },
      ];
      directives.set(bits, directive);
    }
    return directive;
  };
  const fields = (values: MetricValues): Record<string, unknown> => ({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: directiveFor(values) },
    Service: service,
    ...values,
  });
  return {
    fields,
    emit(values, properties = {}) {
      if (Object.keys(values).length === 0) return;
      sink(JSON.stringify({ ...fields(values), ...properties }));
    },
  };
}

/**
 * No metrics: for LOG_FORMAT=pretty, where lines are read by a person and nothing ships them to
 * CloudWatch, so they carry no `_aws` block and no metric lines are written.
 */
export const noMetrics: Metrics = { emit: () => undefined, fields: () => ({}) };
