/**
 * Soak measurements and pass/fail criteria: per-interval throughput, errors and latency percentiles;
 * RSS per task from /proc; MCP session rows per service schema and the kit's own live-session count.
 */
import { SQL } from "bun";
import { SCHEMAS } from "./cluster.ts";
import type { ServiceInstance } from "./instance.ts";
import { loadAverage, type RssPoint } from "./rss.ts";
import type { OperationResult } from "./soak-traffic.ts";

export interface Sample {
  elapsedS: number;
  ops: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** RSS in MB per instance name. */
  rssMb: Record<string, number>;
  /** Host 1-minute load average: a busy machine explains latency that the services do not. */
  loadAvg: number;
  /** mcp_sessions rows per service. */
  sessionRows: { product: number; order: number };
  /** Age in seconds of the least recently seen session row, per service. */
  oldestSessionAgeS: { product: number; order: number };
  /** The kit's in-memory live session count per instance (last value it logged). */
  liveSessions: Record<string, number>;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function sessionStats(sql: SQL, schema: string): Promise<{ rows: number; oldestAgeS: number }> {
  const [row] = (await sql.unsafe(
    `SELECT count(*)::int AS rows, COALESCE(min(last_seen_at), 0)::bigint AS oldest FROM "${schema}".mcp_sessions`,
  )) as { rows: number; oldest: number | string }[];
  const rows = Number(row?.rows ?? 0);
  const oldest = Number(row?.oldest ?? 0);
  return { rows, oldestAgeS: rows === 0 ? 0 : round((Date.now() - oldest) / 1000) };
}

function lastLiveCount(instance: ServiceInstance): number {
  const lines = instance.logLines().filter((line) => line.msg === "live MCP sessions");
  return Number(lines[lines.length - 1]?.liveSessions ?? 0);
}

export async function takeSample(
  elapsedS: number,
  window: readonly OperationResult[],
  instances: readonly ServiceInstance[],
  databaseUrl: string,
): Promise<Sample> {
  const sql = new SQL({ url: databaseUrl, max: 1 });
  try {
    const [product, order] = await Promise.all([
      sessionStats(sql, SCHEMAS.product),
      sessionStats(sql, SCHEMAS.order),
    ]);
    const latencies = window.filter((result) => result.ok).map((result) => result.latencyMs);
    return {
      elapsedS,
      ops: window.length,
      errors: window.filter((result) => !result.ok).length,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      rssMb: Object.fromEntries(instances.map((each) => [each.name, round((each.rssKb() ?? 0) / 1024)])),
      loadAvg: await loadAverage(),
      sessionRows: { product: product.rows, order: order.rows },
      oldestSessionAgeS: { product: product.oldestAgeS, order: order.oldestAgeS },
      liveSessions: Object.fromEntries(instances.map((each) => [each.name, lastLiveCount(each)])),
    };
  } finally {
    await sql.close();
  }
}

export function formatSample(sample: Sample): string {
  const rss = Object.entries(sample.rssMb)
    .map(([name, mb]) => `${name}=${mb}`)
    .join(" ");
  const live = Object.values(sample.liveSessions).join("/");
  return (
    `t=${String(sample.elapsedS).padStart(4)}s ops=${sample.ops} err=${sample.errors} ` +
    `p50=${sample.p50Ms}ms p99=${sample.p99Ms}ms load=${sample.loadAvg} | RSS MB ${rss} | session rows ` +
    `product=${sample.sessionRows.product} order=${sample.sessionRows.order} (oldest ` +
    `${Math.max(sample.oldestSessionAgeS.product, sample.oldestSessionAgeS.order)}s) live=${live}`
  );
}

export interface Criterion {
  name: string;
  ok: boolean;
  detail: string;
  /** True when the run was too short to judge this; it then does not fail the soak. */
  notJudged?: boolean;
}

export interface CriteriaInput {
  samples: readonly Sample[];
  rss: readonly RssPoint[];
  results: readonly OperationResult[];
  warmupS: number;
  sessionTtlS: number;
  abandoned: number;
  maxErrorRate: number;
}

export function evaluate(input: CriteriaInput): Criterion[] {
  const { samples, results, warmupS, sessionTtlS } = input;
  const criteria: Criterion[] = [];
  const errors = results.filter((result) => !result.ok).length;
  const rate = results.length === 0 ? 1 : errors / results.length;
  criteria.push({
    name: "errors",
    ok: results.length > 0 && rate <= input.maxErrorRate,
    detail: `${errors} of ${results.length} operations failed (${round(rate * 100, 3)}%, limit ${input.maxErrorRate * 100}%)`,
  });

  // RSS swings with each garbage collection, so single samples are noise: compare the median of the
  // first third of the dense post-warm-up series with the median of the last third. A leak shows as a
  // rising trend; the sawtooth does not move the medians.
  const steady = input.rss.filter((point) => point.elapsedS >= warmupS);
  const steadySpanS = Math.round((steady[steady.length - 1]?.elapsedS ?? 0) - (steady[0]?.elapsedS ?? 0));
  if (steady.length < 20 || steadySpanS < 60) {
    criteria.push({
      name: "rss flat",
      ok: true,
      notJudged: true,
      detail:
        `not judged: ${steadySpanS}s of samples after a ${warmupS}s warm-up; RSS is judged on at least ` +
        "60 s after warm-up (run 3 minutes or more)",
    });
  } else {
    const third = Math.floor(steady.length / 3);
    for (const name of Object.keys(steady[0]?.mb ?? {})) {
      const series = steady.map((point) => point.mb[name] ?? 0);
      const early = median(series.slice(0, third));
      const late = median(series.slice(-third));
      const growth = early > 0 ? (late - early) / early : 1;
      criteria.push({
        name: `rss flat ${name}`,
        ok: early > 0 && growth <= 0.1,
        detail:
          `median of first third after warm-up ${round(early)} MB, of last third ${round(late)} MB ` +
          `(${growth >= 0 ? "+" : ""}${round(growth * 100)}%, limit +10%); range ${Math.min(...series)}–${Math.max(...series)} MB ` +
          `over ${series.length} samples`,
      });
    }
  }

  // The sweeper runs every TTL/4 (at least 1 s), so no row may be older than TTL plus one sweep.
  const maxAgeS = sessionTtlS * 1.25 + 5;
  const oldest = Math.max(
    ...samples.map((s) => Math.max(s.oldestSessionAgeS.product, s.oldestSessionAgeS.order)),
  );
  criteria.push({
    name: "sessions expire",
    ok: oldest <= maxAgeS,
    detail: `oldest session row seen: ${oldest}s idle (limit ${maxAgeS}s for SESSION_TTL_SECONDS=${sessionTtlS})`,
  });
  const last = samples[samples.length - 1];
  const remaining = last ? last.sessionRows.product + last.sessionRows.order : 0;
  criteria.push({
    name: "abandoned sessions removed",
    ok: input.abandoned > 0 && remaining < input.abandoned,
    detail: `${input.abandoned} sessions abandoned, ${remaining} session rows left at the end`,
  });
  return criteria;
}
