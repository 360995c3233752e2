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

const UNITS: Record<MetricName, "Count" | "Milliseconds"> = {
  Requests: "Count",
  Http5xx: "Count",
  RequestLatency: "Milliseconds",
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

export function createMetrics(service: string, sink: (line: string) => void = stdoutSink): Metrics {
  // The directive depends only on which metrics a line carries, and lines repeat a few combinations.
  const directives = new Map<string, unknown[]>();
  const directiveFor = (names: MetricName[]): unknown[] => {
    const key = names.join(",");
    let directive = directives.get(key);
    if (!directive) {
      directive = [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [["Service"]],
          Metrics: names.map((name) => ({ Name: name, Unit: UNITS[name] })),
        },
      ];
      directives.set(key, directive);
    }
    return directive;
  };
  const fields = (values: MetricValues): Record<string, unknown> => ({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: directiveFor(Object.keys(values) as MetricName[]) },
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
