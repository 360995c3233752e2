/**
 * Dense RSS sampling of the cluster's tasks (every couple of seconds, from /proc/<pid>/status), so
 * that a memory trend can be told apart from the sawtooth each garbage collection draws.
 */
import type { ServiceInstance } from "./instance.ts";

export interface RssPoint {
  elapsedS: number;
  /** MB per instance name; 0 when the task was not running. */
  mb: Record<string, number>;
}

export interface RssRecorder {
  points: RssPoint[];
  stop(): void;
}

export function recordRss(instances: readonly ServiceInstance[], everyMs = 2000): RssRecorder {
  const started = Date.now();
  const points: RssPoint[] = [];
  const sample = (): void => {
    points.push({
      elapsedS: (Date.now() - started) / 1000,
      mb: Object.fromEntries(
        instances.map((each) => [each.name, Math.round((each.rssKb() ?? 0) / 102.4) / 10]),
      ),
    });
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return { points, stop: () => clearInterval(timer) };
}

/** The host's 1-minute load average, to tell a service stall from a busy machine. */
export async function loadAverage(): Promise<number> {
  try {
    return Number((await Bun.file("/proc/loadavg").text()).split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}
