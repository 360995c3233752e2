/**
 * `bun run soak -- --minutes N` (or `--seconds N`): starts the local cluster (2 tasks of each service
 * behind nginx, PostgreSQL) with a short SESSION_TTL_SECONDS, sends mixed traffic at a fixed rate
 * (search, get_product, create_order, list_orders, and new sessions that are abandoned) and prints, per
 * interval: operations, errors, p50/p99 latency, RSS per task, MCP session rows and live sessions.
 *
 * It then checks: errors within --max-error-rate; after warm-up each task's RSS trend stays within
 * +10% (judged on runs with at least 60 s after warm-up); no session row outlives its TTL plus one
 * sweep; abandoned sessions are removed; no task died. Exit 0 when all hold, 1 otherwise, 2 on bad
 * arguments.
 */
import { parseArgs } from "node:util";
import demoCatalog from "../product-service/data/demo-catalog.json" with { type: "json" };
import { type Cluster, startCluster } from "./cluster/cluster.ts";
import { recordRss } from "./cluster/rss.ts";
import { evaluate, formatSample, type Sample, takeSample } from "./cluster/soak-stats.ts";
import { type OperationResult, startTraffic } from "./cluster/soak-traffic.ts";

const USAGE = `Usage: bun run soak -- [--minutes N | --seconds N] [options]

  --minutes N          run for N minutes
  --seconds N          run for N seconds (default 60)
  --rate R             operations started per second (default 40)
  --session-ttl S      SESSION_TTL_SECONDS of every task (default 10)
  --warmup S           seconds of warm-up before RSS is judged (default 30% of the run, 60..180)
  --interval S         seconds between report lines (default run/12, 5..30)
  --max-error-rate F   allowed share of failed operations (default 0)
  --database-url URL   use this PostgreSQL database instead of a temporary server
  --help               show this help`;

interface SoakArgs {
  durationS: number;
  rate: number;
  ttlS: number;
  warmupS: number;
  intervalS: number;
  maxErrorRate: number;
  databaseUrl?: string;
}

function number(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) throw new Error(`${name} must be a number ≥ ${min}`);
  return parsed;
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

function parse(argv: string[]): SoakArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: "string" },
      seconds: { type: "string" },
      rate: { type: "string" },
      "session-ttl": { type: "string" },
      warmup: { type: "string" },
      interval: { type: "string" },
      "max-error-rate": { type: "string" },
      "database-url": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  if (values.minutes && values.seconds) throw new Error("give --minutes or --seconds, not both");
  const minutes = number(values.minutes, "--minutes", 0.1);
  const durationS = minutes !== undefined ? minutes * 60 : (number(values.seconds, "--seconds", 10) ?? 60);
  return {
    durationS,
    rate: number(values.rate, "--rate", 1) ?? 40,
    ttlS: number(values["session-ttl"], "--session-ttl", 2) ?? 10,
    warmupS: number(values.warmup, "--warmup", 0) ?? clamp(Math.round(durationS * 0.3), 60, 180),
    intervalS: number(values.interval, "--interval", 1) ?? clamp(Math.round(durationS / 12), 5, 30),
    maxErrorRate: number(values["max-error-rate"], "--max-error-rate", 0) ?? 0,
    ...(values["database-url"] ? { databaseUrl: values["database-url"] } : {}),
  };
}

/** The demo catalogue with deep stock, so orders keep confirming for the whole run. */
function soakCatalog(): { catalog: unknown; productIds: string[] } {
  const products = demoCatalog.products.map((product) => ({ ...product, stock: 1_000_000 }));
  return {
    catalog: { ...demoCatalog, products },
    productIds: products.slice(0, 40).map((product) => product.id),
  };
}

async function soak(args: SoakArgs): Promise<boolean> {
  const { catalog, productIds } = soakCatalog();
  const log = (line: string): void => console.error(`soak: ${line}`);
  const cluster: Cluster = await startCluster({
    ...(args.databaseUrl ? { databaseUrl: args.databaseUrl } : {}),
    seedCatalog: catalog,
    env: { SESSION_TTL_SECONDS: String(args.ttlS), LOG_LEVEL: "info" },
    // The soak clients cannot ask a user: no order may need a confirmation (each is still priced).
    orderEnv: { ORDER_CONFIRM_ABOVE: "100000000" },
    log,
  });
  let stopping = false;
  const interrupt = (): void => {
    stopping = true;
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    log(
      `${args.durationS}s at ${args.rate} ops/s through ${cluster.urls.proxy}, SESSION_TTL_SECONDS=${args.ttlS}, ` +
        `warm-up ${args.warmupS}s; tasks ${cluster.instances.map((each) => each.name).join(", ")}`,
    );
    const results: OperationResult[] = [];
    let window: OperationResult[] = [];
    const traffic = await startTraffic({
      productMcp: cluster.urls.productMcp,
      orderMcp: cluster.urls.orderMcp,
      ratePerSecond: args.rate,
      productIds,
      onResult: (result) => {
        results.push(result);
        window.push(result);
      },
    });
    const samples: Sample[] = [];
    const rss = recordRss(cluster.instances);
    const started = Date.now();
    const errorKinds = new Map<string, number>();
    while (!stopping && Date.now() - started < args.durationS * 1000) {
      await Bun.sleep(Math.min(args.intervalS * 1000, args.durationS * 1000 - (Date.now() - started)));
      const current = window;
      window = [];
      for (const result of current) {
        if (result.ok || !result.error) continue;
        // Ids and numbers differ per call; without them, errors of one kind count together.
        const kind = result.error.replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/g, "…").replace(/\d{4,}/g, "#");
        const key = `${result.op}: ${kind.replace(/\s+/g, " ").slice(0, 200)}`;
        errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
      }
      const sample = await takeSample(
        Math.round((Date.now() - started) / 1000),
        current,
        cluster.instances,
        cluster.databaseUrl,
      );
      samples.push(sample);
      console.log(formatSample(sample));
    }
    await traffic.stop();
    rss.stop();
    const died = cluster.instances.filter((each) => !each.isRunning());
    for (const each of died) {
      const tail = each.output().trimEnd().split("\n").slice(-15).join("\n");
      console.log(
        `\n${each.name} is not running (exit ${JSON.stringify(each.exit)}); its last lines:\n${tail}`,
      );
    }
    const criteria = evaluate({
      samples,
      rss: rss.points,
      results,
      warmupS: args.warmupS,
      sessionTtlS: args.ttlS,
      abandoned: traffic.abandonedSessions(),
      maxErrorRate: args.maxErrorRate,
    });
    criteria.push({
      name: "tasks alive",
      ok: died.length === 0,
      detail:
        died.length === 0 ? "every task ran to the end" : `died: ${died.map((each) => each.name).join(", ")}`,
    });
    const ok = results.filter((result) => result.ok).map((result) => result.latencyMs);
    const sorted = ok.sort((a, b) => a - b);
    const p99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
    console.log(`\nSoak result: ${results.length} operations, overall p99 ${p99.toFixed(1)} ms`);
    const kinds = [...errorKinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    for (const [error, count] of kinds) console.log(`  error ×${count}: ${error}`);
    for (const criterion of criteria) {
      const verdict = criterion.notJudged ? "N/A " : criterion.ok ? "PASS" : "FAIL";
      console.log(`  ${verdict}  ${criterion.name}: ${criterion.detail}`);
    }
    if (stopping) console.log("  (interrupted: criteria judged on the part that ran)");
    return criteria.every((criterion) => criterion.ok);
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await cluster.stop();
  }
}

if (import.meta.main) {
  let args: SoakArgs | "help";
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`soak: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args === "help") {
    console.log(USAGE);
    process.exit(0);
  }
  try {
    process.exit((await soak(args)) ? 0 : 1);
  } catch (error) {
    console.error(`soak: ${(error as Error).message}`);
    process.exit(1);
  }
}
