/**
 * What an operator watches of live updates, as CloudWatch metrics (metrics.ts): `LiveListeners`, the
 * streams open on the instance that can be told of changes (2026-07-28 listen streams plus 2025 GET
 * streams), and `LiveNotificationsSent`, the notifications written to them since the previous line.
 * One line per interval, none while both are zero, so an idle service writes nothing.
 */
import type { Metrics } from "../metrics.ts";

export const LIVE_METRICS_INTERVAL_MS = 60_000;

export class LiveUpdateCounters {
  private unreported = 0;
  private lastListeners = 0;

  sent(count: number): void {
    this.unreported += count;
  }

  /** Writes one metric line now (if there is anything to say); returns what it wrote. */
  flush(
    metrics: Metrics,
    listeners: number,
  ): { LiveListeners: number; LiveNotificationsSent: number } | undefined {
    const values = { LiveListeners: listeners, LiveNotificationsSent: this.unreported };
    // A drop to zero listeners is reported once, so the graph comes down.
    if (listeners === 0 && this.lastListeners === 0 && this.unreported === 0) return undefined;
    this.unreported = 0;
    this.lastListeners = listeners;
    metrics.emit(values);
    return values;
  }

  /** Flushes every `intervalMs`; returns the stop. */
  start(metrics: Metrics, listeners: () => number, intervalMs = LIVE_METRICS_INTERVAL_MS): () => void {
    const timer = setInterval(() => this.flush(metrics, listeners()), intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
