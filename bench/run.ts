/**
 * `bun run bench`: builds the service binaries, measures the ceiling, the peer and our cases in one
 * run on this machine, and writes bench/results/latest.json, docs/performance.md and
 * docs/performance.svg. See docs/performance.md for the method.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { type ClusterPostgres, startClusterPostgres } from "../scripts/cluster/postgres.ts";
import {
  JSON_ONLY_ORDER,
  notMeasured,
  type OrderDatabase,
  type Progress,
  postgresOrderDatabase,
  runCeiling,
  runJsonOnlyProductCases,
  runOrderCase,
  runPeers,
  sqliteOrderDatabase,
} from "./cases.ts";
import { runClientCase } from "./client-cases.ts";
import { measureColdStart } from "./cold-start.ts";
import { caseLabel, renderPerformanceDoc } from "./docs.ts";
import {
  type CaseResult,
  FULL_RUN_WARMUP_REQUESTS,
  MAX_WARMUP_SECONDS,
  type RunSettings,
} from "./measure.ts";
import { parseOptions } from "./options.ts";
import { pinning } from "./pinning.ts";
import { runRealOrderCases, runRealProductCases } from "./real-cases.ts";
import { type BenchReport, computeRatios, evaluateTargets, renderText } from "./report.ts";
import { binaryPath, buildService, orderServiceExists, ROOT } from "./servers.ts";
import { type Bar, renderBarChart } from "./svg.ts";
import { realClientRatios } from "./targets.ts";
import { wrkVersion } from "./wrk.ts";

const progress = (message: string): void => {
  process.stderr.write(`bench: ${message}\n`);
};

function nodeVersion(): string {
  const result = Bun.spawnSync(["node", "--version"], { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error("node is not on PATH; the peer case runs on Node 20");
  return result.stdout.toString().trim();
}

function oneMinuteLoad(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

function sizeMb(path: string): number {
  return Math.round((statSync(path).size / 1024 / 1024) * 10) / 10;
}

function barKind(id: string): Bar["kind"] {
  if (id === "ceiling") return "ceiling";
  return id === "peer" || id === "peer-v2" ? "peer" : "ours";
}

/** A throwaway PostgreSQL from Debian's package, when one is installed; otherwise a note says why not. */
async function startOwnPostgres(notes: string[]): Promise<ClusterPostgres | undefined> {
  try {
    progress("postgres: starting a throwaway server (set BENCH_DATABASE_URL to use your own)");
    return await startClusterPostgres();
  } catch (error) {
    notes.push(`postgres: not run (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

/** create_order as each real client sends it, then JSON-only (no common client sends that). */
async function orderCases(
  database: () => OrderDatabase,
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult[]> {
  const real = await runRealOrderCases(database, settings, progress);
  const db = database();
  const jsonOnly = await runOrderCase(
    `order-create-${db.kind}`,
    `create_order on ${db.label}, JSON only (no common client sends this)`,
    db,
    JSON_ONLY_ORDER,
    settings,
    progress,
  );
  return [...real, ...jsonOnly];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const loadAtStart = oneMinuteLoad();
  const loadGeneratorVersion = wrkVersion();
  const node = nodeVersion();
  const settings: RunSettings = {
    seconds: options.seconds,
    connections: options.connections,
    // One wrk thread leaves the other core to the server: every server here runs its JavaScript on
    // one thread, and two wrk threads would take CPU from it on a 2-core machine.
    threads: 1,
    warmupSeconds: options.seconds >= 5 ? 2 : 1,
    // Short runs (CI's smoke of the bench) keep the short warm-up: their figures are not reported.
    warmupRequests: options.seconds >= 5 ? FULL_RUN_WARMUP_REQUESTS : 0,
    maxWarmupSeconds: MAX_WARMUP_SECONDS,
  };

  const withOrders = orderServiceExists();
  progress(`building product-service${withOrders ? " and order-service" : ""}`);
  buildService("product-service");
  if (withOrders) buildService("order-service");

  const cases: CaseResult[] = [];
  const notes: string[] = [];
  progress(`pinning: ${pinning().description}`);
  cases.push(...(await runCeiling(settings, progress)));
  cases.push(...(await runPeers(settings, progress)));
  cases.push(...(await runRealProductCases(settings, progress)));
  cases.push(...(await runJsonOnlyProductCases(settings, progress)));
  const clients = await runClientCase(settings, progress).catch((error: unknown) => {
    notes.push(`clients: not measured (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  });
  if (withOrders) {
    cases.push(...(await orderCases(sqliteOrderDatabase, settings, progress)));
    const own = process.env.BENCH_DATABASE_URL ? undefined : await startOwnPostgres(notes);
    try {
      const postgres = postgresOrderDatabase(process.env.BENCH_DATABASE_URL ?? own?.url);
      if (typeof postgres === "string") notes.push(postgres);
      else {
        const whose = own ? "started by the benchmark (initdb, default settings)" : "BENCH_DATABASE_URL";
        notes.push(
          `postgres: ${new URL(postgres.orderUrl).host}, ${whose}, schemas bench_product and bench_orders`,
        );
        cases.push(...(await orderCases(() => postgres, settings, progress)));
      }
    } finally {
      await own?.destroy();
    }
  } else {
    notes.push(
      "order-service: not built yet (order-service/src/main.ts does not exist), so create_order was not run",
    );
  }
  notes.push(...notMeasured);
  for (const note of notes) progress(note);

  progress("cold start: 5 starts on a fresh database, 5 on an existing one");
  const coldStart = await measureColdStart(5);
  const ratios = computeRatios(cases);
  const binarySizeMb: Record<string, number> = { "product-service": sizeMb(binaryPath("product-service")) };
  if (withOrders) binarySizeMb["order-service"] = sizeMb(binaryPath("order-service"));

  const report: BenchReport = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memoryMb: Math.round(totalmem() / 1024 / 1024),
      kernel: release(),
      bun: Bun.version,
      node,
      loadAverage: { start: loadAtStart, end: oneMinuteLoad() },
      pinning: pinning().description,
    },
    loadGenerator: {
      name: "wrk",
      version: loadGeneratorVersion,
      threads: settings.threads,
      timeoutSeconds: 5,
    },
    settings: {
      seconds: settings.seconds,
      connections: settings.connections,
      warmupSeconds: settings.warmupSeconds,
      warmupRequests: settings.warmupRequests,
      maxWarmupSeconds: settings.maxWarmupSeconds,
    },
    cases,
    ...(clients ? { clients } : {}),
    realClientRatios: realClientRatios(cases),
    notes,
    ratios,
    coldStart,
    binarySizeMb,
    targets: evaluateTargets(cases, ratios, coldStart, clients),
  };

  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  const json = JSON.stringify(report, null, 2);
  writeFileSync(join(ROOT, "bench", "results", "latest.json"), `${json}\n`);
  writeFileSync(join(ROOT, "docs", "performance.md"), renderPerformanceDoc(report));
  const bars = cases.map((item) => ({
    label: caseLabel(item.id),
    value: item.requestsPerSecond,
    kind: barKind(item.id),
  }));
  writeFileSync(
    join(ROOT, "docs", "performance.svg"),
    renderBarChart(
      `Requests/s, ${settings.connections} connections, ${report.machine.cpus} CPUs (higher is better)`,
      bars,
    ),
  );
  progress("wrote bench/results/latest.json, docs/performance.md and docs/performance.svg");

  if (options.json) {
    process.stderr.write(renderText(report));
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(renderText(report));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
