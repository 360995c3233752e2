/**
 * Runs wrk (Debian's package, pinned by the CI image) with bench/wrk/mcp.lua and parses the one
 * result line that script prints. Every answer is checked inside wrk, so a fast server that answers
 * errors cannot pass for a fast server.
 */
import { join } from "node:path";
import { pinning } from "./pinning.ts";

export interface LoadSpec {
  url: string;
  seconds: number;
  connections: number;
  threads: number;
  body: string;
  headers: Record<string, string>;
  /** A substring every good answer contains. */
  expect: string;
  /**
   * The request line and headers a captured client sent, with "{{length}}" for Content-Length: when
   * set, these bytes are sent instead of wrk's own request line and headers (and `headers` is unused).
   */
  rawHead?: string;
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  errors: {
    /** Answers outside 2xx. */
    status: number;
    /** JSON-RPC error objects and tool results with isError. */
    rpc: number;
    /** 2xx answers without the expected content. */
    unexpected: number;
    /** Connect, read and write errors and timeouts. */
    socket: number;
    total: number;
  };
}

const SCRIPT = join(import.meta.dir, "wrk", "mcp.lua");
const RESULT_PREFIX = "BENCH_RESULT ";

/** Parses wrk's stdout; throws with the output when the script's result line is missing. */
export function parseWrkOutput(output: string): LoadResult {
  const line = output.split("\n").find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`wrk printed no ${RESULT_PREFIX.trim()} line; its output was:\n${output}`);
  const raw = JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, number>;
  const field = (name: string): number => {
    const value = raw[name];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`wrk result field "${name}" is missing or not a number in: ${line}`);
    }
    return value;
  };
  const requests = field("requests");
  const durationSeconds = field("duration_us") / 1e6;
  const socket = field("connect_errors") + field("read_errors") + field("write_errors") + field("timeouts");
  const status = field("bad_status");
  const rpc = field("rpc_errors");
  const unexpected = field("unexpected");
  const ms = (us: number): number => Math.round(us / 10) / 100;
  return {
    requests,
    durationSeconds,
    requestsPerSecond: durationSeconds > 0 ? Math.round(requests / durationSeconds) : 0,
    latencyMs: {
      p50: ms(field("latency_p50_us")),
      p99: ms(field("latency_p99_us")),
      max: ms(field("latency_max_us")),
      mean: ms(field("latency_mean_us")),
    },
    errors: { status, rpc, unexpected, socket, total: status + rpc + unexpected + socket },
  };
}

export async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const headers = Object.entries(spec.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  const proc = Bun.spawn(
    [
      ...pinning().load,
      "wrk",
      `--threads=${spec.threads}`,
      `--connections=${spec.connections}`,
      `--duration=${spec.seconds}s`,
      "--timeout=5s",
      `--script=${SCRIPT}`,
      spec.url,
    ],
    {
      env: {
        ...process.env,
        BENCH_BODY: spec.body,
        BENCH_HEADERS: headers,
        BENCH_EXPECT: spec.expect,
        BENCH_RAW_HEAD: spec.rawHead ?? "",
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${stdout}${stderr}`);
  return parseWrkOutput(stdout);
}

/** "wrk debian/4.1.0-3+b2 [epoll] …" → "debian/4.1.0-3+b2"; throws a how-to-install hint when absent. */
export function wrkVersion(): string {
  let result: ReturnType<typeof Bun.spawnSync>;
  try {
    result = Bun.spawnSync(["wrk", "--version"], { stdout: "pipe", stderr: "pipe" });
  } catch {
    throw new Error("wrk is not installed. Install it with: apt-get install -y wrk (Debian/Ubuntu).");
  }
  const text = `${result.stdout?.toString() ?? ""}${result.stderr?.toString() ?? ""}`;
  const match = /^wrk (\S+)/m.exec(text);
  if (!match?.[1]) throw new Error(`could not read wrk's version from: ${text.slice(0, 200)}`);
  return match[1];
}
