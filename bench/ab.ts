/**
 * A/B in one run: product-service (and, with --only order-2025 or order-session-2025, order-service) built at a base
 * revision against the working tree, under the requests real clients send, measured alternately so
 * that load from the rest of the machine falls on both sides alike. On a shared machine compare the
 * CPU ms per request first: it moves far less than req/s when other work competes for the cores.
 *
 *   bun bench/ab.ts --base <git-rev> [--seconds N] [--rounds N] [--connections N] [--only a,b]
 *
 * The base is exported with `git archive` into a temporary folder that shares this checkout's
 * node_modules (third-party packages; the workspace links point into the exported tree), and built
 * there with its own scripts/build.ts. The working tree is built with ours. Both servers run pinned to
 * core 0 (`taskset -c 0`), this script and wrk to core 1. Each round runs every request against both
 * servers, in alternating order. The ceiling (raw Bun.serve, bench/ceiling.ts) is measured in the same
 * rounds so each figure can be read as a share of what any Bun server reaches here.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CREATE_ORDER_BODY, CREATE_ORDER_EXPECT } from "./cases.ts";
import { FULL_RUN_WARMUP_REQUESTS, MAX_WARMUP_SECONDS, warmUntil } from "./measure.ts";
import { type ServerHandle, sampleRss, startServer } from "./processes.ts";
import { openCapturedSession } from "./replay.ts";
import { freshSqliteUrl, INTERNAL_TOKEN, ROOT, seedHugeStock, startCeiling } from "./servers.ts";
import { type LoadResult, runWrk } from "./wrk.ts";

const USAGE = `Usage: bun bench/ab.ts --base <git-rev> [--seconds N] [--rounds N] [--connections N] [--only ids]
  --base REV        revision to compare the working tree with (required)
  --seconds N       seconds per measured burst (default 5)
  --rounds N        alternating rounds per request (default 3)
  --connections N   concurrent keep-alive connections (default 32)
  --only ids        comma-separated request ids (default: the product-service ones,
                    modern-v2, session-2025, stateless-2025; search-v2 adds search_products as SDK v2
                    sends it; order-2025 adds create_order,
                    stateless with both Accept types, on SQLite; order-session-2025 the same in
                    an SDK v1 session whose GET stream is open)`;

interface Options {
  base: string;
  seconds: number;
  rounds: number;
  connections: number;
  only?: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = { seconds: 5, rounds: 3, connections: 32 };
  const count = (flag: string, raw: string | undefined): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 3600)
      throw new Error(`${flag} needs a whole number from 1 to 3600 (got ${raw ?? "nothing"})\n${USAGE}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--base") options.base = argv[++i];
    else if (arg === "--seconds") options.seconds = count(arg, argv[++i]);
    else if (arg === "--rounds") options.rounds = count(arg, argv[++i]);
    else if (arg === "--connections") options.connections = count(arg, argv[++i]);
    else if (arg === "--only") options.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else throw new Error(`unknown option "${arg}"\n${USAGE}`);
  }
  if (!options.base) throw new Error(`--base is required\n${USAGE}`);
  return options as Options;
}

const PRODUCT_ID = "p001";
const EXPECT = `"id":"${PRODUCT_ID}"`;
const BOTH = "application/json, text/event-stream";
const LEGACY_REVISION = "2025-11-25";

/** A request as a real client sends it, against one started server. */
interface RequestCase {
  id: string;
  label: string;
  service: "product-service" | "order-service";
  /** A substring every good answer contains. */
  expect: string;
  prepare(server: ServerHandle): Promise<{ body: string; headers: Record<string, string> }>;
}

// What the SDK v2 client sends for client.callTool (test/support/mcp-v2-client.ts, pinned to 2026-07-28).
const MODERN_BODY = JSON.stringify({
  method: "tools/call",
  params: {
    name: "get_product",
    arguments: { product_id: PRODUCT_ID },
    _meta: {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1.0.0" },
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  },
  jsonrpc: "2.0",
  id: 0,
});

// What the SDK v1 client (and mcp-remote, which uses it) sends for callTool: no _meta without onprogress.
const legacyBody = (id: number | string): string =>
  JSON.stringify({
    method: "tools/call",
    params: { name: "get_product", arguments: { product_id: PRODUCT_ID } },
    jsonrpc: "2.0",
    id,
  });
// In a session the SDK never reuses an id while a call runs (the transport maps each id to its
// stream), so each request gets its own: bench/wrk/mcp.lua turns {{n}} into a unique string.
const SESSION_BODY = legacyBody("{{n}}");
const STATELESS_BODY = legacyBody(1);

const CASES: RequestCase[] = [
  {
    id: "modern-v2",
    label: "2026-07-28, as the SDK v2 client sends it",
    service: "product-service",
    expect: EXPECT,
    prepare: async () => ({
      body: MODERN_BODY,
      headers: {
        accept: BOTH,
        "mcp-method": "tools/call",
        "mcp-name": "get_product",
        "mcp-protocol-version": "2026-07-28",
      },
    }),
  },
  {
    id: "session-2025",
    label: `${LEGACY_REVISION} session, as SDK v1 / mcp-remote send it`,
    service: "product-service",
    expect: EXPECT,
    prepare: async (server) => ({
      body: SESSION_BODY,
      headers: {
        accept: BOTH,
        "mcp-session-id": await openSession(`${server.baseUrl}/mcp`),
        "mcp-protocol-version": LEGACY_REVISION,
      },
    }),
  },
  {
    id: "stateless-2025",
    label: "2025 stateless, both Accept types",
    service: "product-service",
    expect: EXPECT,
    prepare: async () => ({
      body: STATELESS_BODY,
      headers: { accept: BOTH, "mcp-protocol-version": LEGACY_REVISION },
    }),
  },
  {
    id: "search-v2",
    label: "search_products, 2026-07-28, as the SDK v2 client sends it",
    service: "product-service",
    expect: '"total":',
    prepare: async () => ({
      body: MODERN_BODY.replace(
        `"name":"get_product","arguments":{"product_id":"${PRODUCT_ID}"}`,
        '"name":"search_products","arguments":{"query":"wireless headphones","limit":10}',
      ),
      headers: {
        accept: BOTH,
        "mcp-method": "tools/call",
        "mcp-name": "search_products",
        "mcp-protocol-version": "2026-07-28",
      },
    }),
  },
  {
    id: "order-2025",
    label: "create_order, 2025 stateless, both Accept types (SQLite)",
    service: "order-service",
    expect: CREATE_ORDER_EXPECT,
    prepare: async () => ({
      body: CREATE_ORDER_BODY,
      headers: { accept: BOTH, "mcp-protocol-version": LEGACY_REVISION },
    }),
  },
  {
    id: "order-session-2025",
    label: "create_order in a 2025-11-25 session with its GET stream open, as SDK v1 does it (SQLite)",
    service: "order-service",
    expect: CREATE_ORDER_EXPECT,
    prepare: async (server) => {
      // The session's GET stream stays open (and is read) until the process ends, as the client's does.
      const session = await openCapturedSession("sdk-v1", server.baseUrl);
      // A session never has two calls with one id running at once: each request gets its own.
      const body = CREATE_ORDER_BODY.replace('"id":1,', '"id":"{{n}}",');
      if (body === CREATE_ORDER_BODY) throw new Error("CREATE_ORDER_BODY no longer starts with id 1");
      return {
        body,
        headers: {
          accept: BOTH,
          "mcp-session-id": session.sessionId,
          "mcp-protocol-version": LEGACY_REVISION,
        },
      };
    },
  },
];
const DEFAULT_CASES = ["modern-v2", "session-2025", "stateless-2025"];

/** initialize + notifications/initialized with the headers the SDK v1 client sends; the session id. */
async function openSession(mcpUrl: string): Promise<string> {
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: BOTH, ...headers },
      body: JSON.stringify(body),
    });
  const init = await post({
    method: "initialize",
    params: {
      protocolVersion: LEGACY_REVISION,
      capabilities: {},
      clientInfo: { name: "bench", version: "1.0.0" },
    },
    jsonrpc: "2.0",
    id: 0,
  });
  const text = await init.text();
  const sessionId = init.headers.get("mcp-session-id");
  if (!init.ok || !sessionId)
    throw new Error(`initialize failed (HTTP ${init.status}): ${text.slice(0, 300)}`);
  const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": LEGACY_REVISION };
  const initialized = await post({ method: "notifications/initialized", jsonrpc: "2.0" }, headers);
  if (initialized.status !== 202)
    throw new Error(`notifications/initialized answered HTTP ${initialized.status}`);
  return sessionId;
}

function run(command: string[], cwd: string): string {
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0)
    throw new Error(`${command.join(" ")} failed:\n${result.stdout.toString()}${result.stderr.toString()}`);
  return result.stdout.toString();
}

/** The base revision exported beside this checkout's node_modules; returns the tree's root. */
function exportBase(rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), "retail-mcp-ab-"));
  const tar = join(dir, "base.tar");
  run(["git", "archive", "--format=tar", "-o", tar, rev], ROOT);
  const tree = join(dir, "tree");
  run(["mkdir", "-p", tree], dir);
  run(["tar", "-xf", tar, "-C", tree], dir);
  if (readFileSync(join(tree, "bun.lock"), "utf8") !== readFileSync(join(ROOT, "bun.lock"), "utf8"))
    process.stderr.write("ab: warning: bun.lock differs at the base; it is built with today's packages\n");
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
  // Workspace packages keep their own node_modules of relative links (to ../../service-kit and into
  // ../../node_modules/.bun): copied as links, they resolve inside the exported tree.
  for (const pkg of ["service-kit", "product-service", "order-service", "reservation-contract"]) {
    const from = join(ROOT, pkg, "node_modules");
    if (existsSync(from) && existsSync(join(tree, pkg)))
      cpSync(from, join(tree, pkg, "node_modules"), { recursive: true, verbatimSymlinks: true });
  }
  return tree;
}

type Service = RequestCase["service"];

function build(tree: string, services: Service[]): Record<Service, string> {
  for (const service of services)
    run([process.execPath, join(tree, "scripts", "build.ts"), "--service", service], tree);
  return {
    "product-service": join(tree, "dist", "product-service"),
    "order-service": join(tree, "dist", "order-service"),
  };
}

async function startPinned(
  name: string,
  binary: string,
  extra: Record<string, string> = {},
  databaseUrl = freshSqliteUrl(name),
): Promise<ServerHandle> {
  return startServer({
    name,
    command: ["taskset", "-c", "0", binary, "serve"],
    env: { HOST: "127.0.0.1", LOG_LEVEL: "info", DATABASE_URL: databaseUrl, INTERNAL_TOKEN, ...extra },
    readyPath: "/ready",
  });
}

interface Sample extends LoadResult {
  cpuMsPerRequest: number;
  rssPeakMb: number;
}

async function burst(
  server: ServerHandle,
  load: { body: string; headers: Record<string, string>; expect: string },
  seconds: number,
  connections: number,
): Promise<Sample> {
  const rss = sampleRss(server);
  const cpuBefore = server.cpuMs();
  const result = await runWrk({
    url: `${server.baseUrl}/mcp`,
    seconds,
    connections,
    threads: 1,
    body: load.body,
    headers: load.headers,
    expect: load.expect,
  });
  const cpuMs = server.cpuMs() - cpuBefore;
  return {
    ...result,
    cpuMsPerRequest: result.requests > 0 ? cpuMs / result.requests : 0,
    rssPeakMb: rss.stop(),
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

// Other work on the machine only ever slows a round down, so the best round is the least disturbed
// one; the median is shown beside it.
const best = (samples: Sample[]): Sample =>
  samples.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));

function summary(samples: Sample[]): string {
  const top = best(samples);
  const rps = Math.round(median(samples.map((s) => s.requestsPerSecond)));
  const cpu = median(samples.map((s) => s.cpuMsPerRequest)).toFixed(3);
  const rss = Math.max(...samples.map((s) => s.rssPeakMb));
  const errors = samples.reduce((sum, s) => sum + s.errors.total, 0);
  return `best ${String(top.requestsPerSecond).padStart(6)} req/s, p99 ${top.latencyMs.p99.toFixed(2)} ms, ${top.cpuMsPerRequest.toFixed(3)} ms CPU/req | median ${rps} req/s, ${cpu} ms CPU/req | RSS ${rss} MB, errors ${errors}`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (process.env.AB_PINNED !== "1") {
    // This script and wrk (its child) go to core 1; the servers are started on core 0.
    const child = Bun.spawn(
      ["taskset", "-c", "1", process.execPath, import.meta.path, ...process.argv.slice(2)],
      {
        env: { ...process.env, AB_PINNED: "1" },
        stdio: ["inherit", "inherit", "inherit"],
      },
    );
    process.exit(await child.exited);
  }
  const wanted = options.only ?? DEFAULT_CASES;
  const unknown = wanted.filter((id) => !CASES.some((item) => item.id === id));
  if (unknown.length > 0)
    throw new Error(
      `unknown request id(s) ${unknown.join(", ")}: use ${CASES.map((item) => item.id).join(", ")}`,
    );
  const cases = CASES.filter((item) => wanted.includes(item.id));
  const services = [...new Set<Service>(["product-service", ...cases.map((item) => item.service)])];
  const baseSha = run(["git", "rev-parse", "--short=12", options.base], ROOT).trim();
  process.stderr.write(`ab: exporting and building ${options.base} (${baseSha})\n`);
  const tree = exportBase(options.base);
  const servers: ServerHandle[] = [];
  try {
    const baseBinaries = build(tree, services);
    process.stderr.write("ab: building the working tree\n");
    const headBinaries = build(ROOT, services);
    const started: Record<Service, { base: ServerHandle; head: ServerHandle } | undefined> = {
      "product-service": undefined,
      "order-service": undefined,
    };
    const keep = (server: ServerHandle): ServerHandle => {
      servers.push(server);
      return server;
    };
    started["product-service"] = {
      base: keep(await startPinned("base", baseBinaries["product-service"])),
      head: keep(await startPinned("head", headBinaries["product-service"])),
    };
    if (services.includes("order-service")) {
      // Both order-services reserve from one catalogue (the working tree's), seeded so stock never ends.
      const catalogueUrl = freshSqliteUrl("catalogue");
      seedHugeStock(catalogueUrl);
      const catalogue = keep(
        await startPinned("catalogue", headBinaries["product-service"], {}, catalogueUrl),
      );
      const extra = { PRODUCT_SERVICE_URL: catalogue.baseUrl };
      started["order-service"] = {
        base: keep(await startPinned("order-base", baseBinaries["order-service"], extra)),
        head: keep(await startPinned("order-head", headBinaries["order-service"], extra)),
      };
    }
    const ceiling = keep(await startCeiling());
    run(["taskset", "-p", "-c", "0", String(ceiling.pid)], ROOT);
    const lines: string[] = [];
    for (const item of cases) {
      const pair = started[item.service];
      if (!pair) throw new Error(`${item.service} was not started`);
      const { base, head } = pair;
      const prepared = async (server: ServerHandle) => ({
        ...(await item.prepare(server)),
        expect: item.expect,
      });
      const loads = { base: await prepared(base), head: await prepared(head) };
      // The ceiling answers the canned get_product answer, whatever was asked.
      const ceilingLoad = { ...loads.head, expect: EXPECT };
      // Warm-up: JIT and pools, figures thrown away. As in a full bench run (measure.ts), each side is
      // loaded until it answered FULL_RUN_WARMUP_REQUESTS, or else its JIT compiles in the first rounds.
      for (const side of [base, head]) {
        const load = side === base ? loads.base : loads.head;
        await warmUntil(
          FULL_RUN_WARMUP_REQUESTS,
          MAX_WARMUP_SECONDS,
          async () => (await burst(side, load, 2, options.connections)).requests,
        );
      }
      const samples: Record<"base" | "head" | "ceiling", Sample[]> = { base: [], head: [], ceiling: [] };
      for (let round = 0; round < options.rounds; round++) {
        const order: ("base" | "head")[] = round % 2 === 0 ? ["base", "head"] : ["head", "base"];
        for (const side of order) {
          const sample = await burst(
            side === "base" ? base : head,
            loads[side],
            options.seconds,
            options.connections,
          );
          samples[side].push(sample);
          process.stderr.write(
            `ab: ${item.id} round ${round + 1} ${side}: ${sample.requestsPerSecond} req/s, p99 ${sample.latencyMs.p99} ms, ${sample.errors.total} errors\n`,
          );
        }
        samples.ceiling.push(
          await burst(
            ceiling,
            ceilingLoad,
            Math.max(1, Math.floor(options.seconds / 2)),
            options.connections,
          ),
        );
      }
      const rps = (side: "base" | "head" | "ceiling"): number => best(samples[side]).requestsPerSecond;
      const cpu = (side: "base" | "head"): number => best(samples[side]).cpuMsPerRequest;
      lines.push(
        `${item.id}: ${item.label}`,
        `  base ${baseSha}: ${summary(samples.base)}`,
        `  head (tree):    ${summary(samples.head)}`,
        `  best rounds, head/base: ${(rps("head") / rps("base")).toFixed(2)}x req/s, ${(cpu("base") / cpu("head")).toFixed(2)}x less CPU/req; head = ${Math.round((100 * rps("head")) / rps("ceiling"))}% of the ceiling (${Math.round(rps("ceiling"))} req/s)`,
      );
    }
    process.stdout.write(
      `A/B ${options.rounds} rounds x ${options.seconds}s, ${options.connections} connections, servers on core 0, wrk on core 1\n${lines.join("\n")}\n`,
    );
  } finally {
    for (const server of servers.reverse()) await server.stop();
    rmSync(join(tree, ".."), { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ab failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
