/**
 * Server processes under test: start with PORT=0, read the port the OS picked from the server's
 * `listening` line, wait for readiness, read RSS from
 * /proc while load runs, and stop. Server output goes to a file, as it would go to a pipe that a
 * container runtime drains, so logging costs what it costs in production.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { waitForListeningPort } from "service-kit/testing";
import { tempDir } from "../test/support/temp-dir.ts";
import { pinning } from "./pinning.ts";

export interface ServerHandle {
  name: string;
  pid: number;
  port: number;
  baseUrl: string;
  logFile: string;
  /** Resident set size now, in MB (VmRSS from /proc/<pid>/status). */
  rssMb(): number;
  /** CPU time used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export interface StartSpec {
  name: string;
  command: string[];
  /** PORT=0 is added: every server here prints a JSON `listening` line with the port it bound. */
  env: Record<string, string>;
  /** Path answered with 200 once the server can take load. */
  readyPath: string;
  timeoutMs?: number;
}

export function benchTempDir(prefix = "retail-mcp-bench-"): string {
  return tempDir(prefix);
}

export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Math.round((Number(match[1]) / 1024) * 10) / 10;
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function readCpuMs(pid: number): number {
  if (clockTicks === undefined) {
    const result = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "pipe" });
    clockTicks = Number(result.stdout.toString().trim()) || 100;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces, so count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks;
}

/** Polls `url` as fast as the server can refuse; resolves with ms since `startedAt` at the first 200. */
export async function waitForOk(
  url: string,
  child: Subprocess,
  startedAt: number,
  timeoutMs: number,
  describe: () => string,
): Promise<number> {
  const deadline = startedAt + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`exited with ${child.exitCode} before ${url} answered 200:\n${describe()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return performance.now() - startedAt;
    } catch {
      // not listening yet
    }
    await Bun.sleep(1);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${describe()}`);
}

export async function startServer(spec: StartSpec): Promise<ServerHandle> {
  const dir = benchTempDir(`retail-mcp-bench-${spec.name}-`);
  const logFile = join(dir, "server.log");
  // taskset execs the server, so the pid below is the server's own (RSS and CPU are read from it).
  const child = Bun.spawn([...pinning().server, ...spec.command], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      ...spec.env,
      PORT: "0",
    },
    stdin: "ignore",
    stdout: Bun.file(logFile),
    stderr: Bun.file(join(dir, "server.err")),
  });
  const describe = (): string => tail(logFile) + tail(join(dir, "server.err"));
  let port: number;
  let baseUrl: string;
  try {
    port = await waitForListeningPort({
      name: spec.name,
      output: () => readIfThere(logFile),
      exitCode: () => child.exitCode,
      timeoutMs: spec.timeoutMs ?? 20_000,
    });
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForOk(
      `${baseUrl}${spec.readyPath}`,
      child,
      performance.now(),
      spec.timeoutMs ?? 20_000,
      describe,
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${spec.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    name: spec.name,
    pid: child.pid,
    port,
    baseUrl,
    logFile,
    rssMb: () => readRssMb(child.pid),
    cpuMs: () => readCpuMs(child.pid),
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

export function readIfThere(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function tail(file: string): string {
  return readIfThere(file).split("\n").slice(-20).join("\n");
}

/** Samples a process's RSS every 250 ms until stopped; returns the highest reading. */
export function sampleRss(handle: ServerHandle): { stop(): number } {
  let peak = handle.rssMb();
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, handle.rssMb());
    } catch {
      // the process ended; the caller notices through its own checks
    }
  }, 250);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
