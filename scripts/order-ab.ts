/**
 * create_order A/B: two builds side by side in one run, on the same machine, measured in alternation.
 *   node scripts/bun.mjs scripts/order-ab.ts --a /tmp/order-ab/base --b dist [--db sqlite|postgres]
 *     [--request json|stateless|modern|all] [--seconds 5] [--rounds 4] [--connections 32] [--unpinned]
 *     [--b-sched-batch]
 * --a/--b are folders holding product-service and order-service binaries (e.g. a copy of dist/ built at
 * the base commit, and dist/ built at the change). Each variant gets its own pair of services and its
 * own databases (SQLite files, or two databases on one throwaway PostgreSQL). The services (and
 * PostgreSQL) are pinned to CPU 0 and wrk to CPU 1, as issue #15 asks (--unpinned: nothing is pinned,
 * as `bun run bench` runs create_order); the variants take turns, so
 * noise from the shared machine falls on both. --b-sched-batch runs B's services under Linux's SCHED_BATCH
 * (`chrt --batch 0`: a process that wakes up does not preempt the one running), a diagnostic of what
 * the two services on one core lose by waking each other for every internal call. Prints req/s, p99 and server CPU ms per order for every
 * burst, then the medians and the ratio B/A.
 *
 * Requests, as real clients send create_order (unique idempotency key per request, via bench/wrk/mcp.lua):
 *   json       stateless 2025 call, Accept: application/json (the case no common client sends)
 *   stateless  stateless 2025 call with both Accept types
 *   modern     2026-07-28 tools/call as the SDK v2 client sends it (_meta, Mcp-Method, Mcp-Name, both types)
 */
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SQL } from "bun";
import { BENCH_PRODUCT_ID } from "../bench/canned.ts";
import { FULL_RUN_WARMUP_REQUESTS, MAX_WARMUP_SECONDS, warmUntil } from "../bench/measure.ts";
import { benchTempDir, readCpuMs, type ServerHandle, startServer } from "../bench/processes.ts";
import { parseWrkOutput } from "../bench/wrk.ts";
import demoCatalog from "../product-service/data/demo-catalog.json" with { type: "json" };
import { databaseUrl, startClusterPostgres } from "./cluster/postgres.ts";

const ROOT = join(import.meta.dir, "..");
const TOKEN = "order-ab-internal-token-0123456789abcdef";
const SERVER_CPU = "0";
const LOAD_CPU = "1";

const { values } = parseArgs({
  options: {
    a: { type: "string", default: "/tmp/order-ab/base" },
    b: { type: "string", default: join(ROOT, "dist") },
    db: { type: "string", default: "sqlite" },
    request: { type: "string", default: "all" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "4" },
    connections: { type: "string", default: "32" },
    unpinned: { type: "boolean", default: false },
    "b-sched-batch": { type: "boolean", default: false },
  },
});

const ARGS = { items: [{ product_id: BENCH_PRODUCT_ID, quantity: 1 }], idempotency_key: "ab-{{n}}" };
const BOTH = "application/json, text/event-stream";
const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "order-ab", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
const call = (params: Record<string, unknown>): string =>
  JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params });
const REQUESTS: Record<string, { body: string; headers: Record<string, string> }> = {
  json: { body: call({ name: "create_order", arguments: ARGS }), headers: { Accept: "application/json" } },
  stateless: { body: call({ name: "create_order", arguments: ARGS }), headers: { Accept: BOTH } },
  modern: {
    body: call({ name: "create_order", arguments: ARGS, _meta: META }),
    headers: {
      Accept: BOTH,
      "MCP-Protocol-Version": "2026-07-28",
      "Mcp-Method": "tools/call",
      "Mcp-Name": "create_order",
    },
  },
};

interface Variant {
  name: string;
  product: ServerHandle;
  order: ServerHandle;
}

function pinned(command: string[], cpu = SERVER_CPU): string[] {
  return values.unpinned ? command : ["taskset", "-c", cpu, ...command];
}

function seed(binary: string, url: string, env: Record<string, string>): void {
  const file = join(benchTempDir("order-ab-seed-"), "catalog.json");
  const products = demoCatalog.products.map((product) => ({ ...product, stock: 1_000_000 }));
  writeFileSync(file, JSON.stringify({ ...demoCatalog, products }));
  const result = Bun.spawnSync([binary, "seed", file], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DATABASE_URL: url, INTERNAL_TOKEN: TOKEN, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`seed failed: ${result.stderr.toString()}`);
}

async function startVariant(
  name: string,
  dir: string,
  urls: { product: string; order: string },
  scheduling: string[] = [],
): Promise<Variant> {
  const bin = (service: string): string => {
    const path = resolve(dir, service);
    if (!existsSync(path)) throw new Error(`${path} does not exist: build it first (npm run build)`);
    return path;
  };
  const base = { HOST: "127.0.0.1", LOG_LEVEL: "info", INTERNAL_TOKEN: TOKEN };
  const productEnv = { DATABASE_SCHEMA: "ab_product" };
  seed(bin("product-service"), urls.product, productEnv);
  const product = await startServer({
    name: `${name}-product`,
    command: pinned([...scheduling, bin("product-service"), "serve"]),
    env: { ...base, ...productEnv, DATABASE_URL: urls.product },
    readyPath: "/ready",
  });
  const order = await startServer({
    name: `${name}-order`,
    command: pinned([...scheduling, bin("order-service"), "serve"]),
    env: {
      ...base,
      DATABASE_SCHEMA: "ab_orders",
      DATABASE_URL: urls.order,
      PRODUCT_SERVICE_URL: product.baseUrl,
    },
    readyPath: "/ready",
  });
  return { name, product, order };
}

interface Burst {
  requestsPerSecond: number;
  p99: number;
  errors: number;
  cpuMsPerOrder: number;
  /** The same split by process: product-service, order-service, PostgreSQL backends. */
  split: [number, number, number];
}

async function burst(
  variant: Variant,
  request: (typeof REQUESTS)[string],
  seconds: number,
  extraPids: () => number[],
): Promise<Burst> {
  const backends = extraPids();
  const cpuOf = (pid: number): number => {
    try {
      return readCpuMs(pid);
    } catch {
      return 0; // a backend that ended during the burst
    }
  };
  const cpu = (): [number, number, number] => [
    cpuOf(variant.product.pid),
    cpuOf(variant.order.pid),
    backends.reduce((sum, pid) => sum + cpuOf(pid), 0),
  ];
  const before = cpu();
  const headers = Object.entries(request.headers)
    .map(([key, value]) => `${key}: ${value}`)
    .join("\n");
  const proc = Bun.spawn(
    pinned(
      [
        "wrk",
        "--threads=1",
        `--connections=${values.connections}`,
        `--duration=${seconds}s`,
        "--timeout=5s",
        `--script=${join(ROOT, "bench", "wrk", "mcp.lua")}`,
        `${variant.order.baseUrl}/mcp`,
      ],
      LOAD_CPU,
    ),
    {
      env: {
        ...process.env,
        BENCH_BODY: request.body,
        BENCH_HEADERS: headers,
        BENCH_EXPECT: '"status":"confirmed"',
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const stdout = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${stdout}`);
  const result = parseWrkOutput(stdout);
  const after = cpu();
  const per = (index: number): number =>
    result.requests > 0 ? ((after[index] ?? 0) - (before[index] ?? 0)) / result.requests : 0;
  const split: [number, number, number] = [per(0), per(1), per(2)];
  return {
    requestsPerSecond: result.requestsPerSecond,
    p99: result.latencyMs.p99,
    errors: result.errors.total,
    cpuMsPerOrder: split[0] + split[1] + split[2],
    split,
  };
}

/** PostgreSQL backends are children of the postmaster: their CPU counts as the order's too. */
function postgresPids(postmaster: number | undefined): () => number[] {
  if (postmaster === undefined) return () => [];
  return () => {
    const out = Bun.spawnSync(["pgrep", "-P", String(postmaster)]).stdout.toString();
    return out.split("\n").filter(Boolean).map(Number);
  };
}

const median = (list: number[]): number => {
  const sorted = [...list].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const requestNames = values.request === "all" ? Object.keys(REQUESTS) : [values.request as string];
  for (const name of requestNames) if (!REQUESTS[name]) throw new Error(`unknown --request ${name}`);
  let postgres: Awaited<ReturnType<typeof startClusterPostgres>> | undefined;
  let postmaster: number | undefined;
  const urls = async (variant: string): Promise<{ product: string; order: string }> => {
    if (!postgres) {
      const dir = benchTempDir(`order-ab-${variant}-`);
      return { product: `sqlite://${dir}/product.sqlite`, order: `sqlite://${dir}/order.sqlite` };
    }
    const admin = new SQL(postgres.url);
    await admin.unsafe(`CREATE DATABASE ab_${variant}`);
    await admin.close();
    const url = databaseUrl(postgres.url, `ab_${variant}`);
    return { product: url, order: url };
  };
  const variants: Variant[] = [];
  try {
    if (values.db === "postgres") {
      postgres = await startClusterPostgres();
      const pidFile = await Bun.file(join(postgres.dir, "data", "postmaster.pid")).text();
      postmaster = Number(pidFile.split("\n")[0]);
      // Backends fork from the postmaster and inherit its CPU.
      if (!values.unpinned) Bun.spawnSync(["taskset", "-a", "-p", "-c", SERVER_CPU, String(postmaster)]);
    }
    variants.push(await startVariant("A", values.a as string, await urls("a")));
    const batchScheduling = values["b-sched-batch"] ? ["chrt", "--batch", "0"] : [];
    variants.push(await startVariant("B", values.b as string, await urls("b"), batchScheduling));
    const extra = postgresPids(postmaster);
    for (const requestName of requestNames) {
      const request = REQUESTS[requestName] as (typeof REQUESTS)[string];
      const results = new Map<string, Burst[]>(variants.map((variant) => [variant.name, []]));
      // Warmed up as a full bench run warms up a case: until Bun's JIT has compiled the hot path.
      for (const variant of variants) {
        await warmUntil(FULL_RUN_WARMUP_REQUESTS, MAX_WARMUP_SECONDS, async () => {
          const warm = await burst(variant, request, 2, extra);
          return Math.round(warm.requestsPerSecond * 2);
        });
      }
      for (let round = 0; round < rounds; round++) {
        // Alternate who goes first so that a drift in machine load does not favour one side.
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) {
          const result = await burst(variant, request, seconds, extra);
          results.get(variant.name)?.push(result);
          console.log(
            `${values.db} ${requestName} ${variant.name} round ${round + 1}: ${result.requestsPerSecond} req/s, ` +
              `p99 ${result.p99} ms, ${result.errors} errors, ${result.cpuMsPerOrder.toFixed(3)} ms CPU/order ` +
              `(product ${result.split[0].toFixed(2)}, order ${result.split[1].toFixed(2)}, postgres ${result.split[2].toFixed(2)})`,
          );
        }
      }
      const summary = (name: string): { rps: number; cpu: number; errors: number } => {
        const list = results.get(name) ?? [];
        return {
          rps: median(list.map((item) => item.requestsPerSecond)),
          cpu: median(list.map((item) => item.cpuMsPerOrder)),
          errors: list.reduce((sum, item) => sum + item.errors, 0),
        };
      };
      const a = summary("A");
      const b = summary("B");
      console.log(
        `SUMMARY ${values.db}${values.unpinned ? " unpinned" : ""}${values["b-sched-batch"] ? " (B under SCHED_BATCH)" : ""} ${requestName}: A ${a.rps} req/s ${a.cpu.toFixed(3)} ms CPU/order ${a.errors} errors | ` +
          `B ${b.rps} req/s ${b.cpu.toFixed(3)} ms CPU/order ${b.errors} errors | ` +
          `B/A ${(b.rps / a.rps).toFixed(2)}× req/s, ${(b.cpu / a.cpu).toFixed(2)}× CPU`,
      );
    }
  } finally {
    for (const variant of variants) {
      await variant.order.stop();
      await variant.product.stop();
    }
    await postgres?.destroy();
  }
}

await main();
