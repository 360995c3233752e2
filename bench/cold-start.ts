/**
 * Cold start of the compiled product-service: from exec to the first 200 from /ready, which
 * includes opening the database, migrations and (on a fresh one) the demo seed.
 */
import { waitForListeningPort } from "service-kit/testing";
import { benchTempDir, readCpuMs, readIfThere, waitForOk } from "./processes.ts";
import { binaryPath, freshSqliteUrl, INTERNAL_TOKEN } from "./servers.ts";

export interface ColdStart {
  freshDbMs: number;
  existingDbMs: number;
  /** CPU time the process had used when /ready first answered (median), steadier than wall time. */
  cpuMs: { freshDb: number; existingDb: number };
  samples: { freshDbMs: number[]; existingDbMs: number[]; freshDbCpuMs: number[]; existingDbCpuMs: number[] };
}

interface Start {
  ms: number;
  cpuMs: number;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Math.round((value ?? 0) * 10) / 10;
}

async function startOnce(databaseUrl: string): Promise<Start> {
  const dir = benchTempDir("retail-mcp-bench-cold-");
  const startedAt = performance.now();
  const child = Bun.spawn([binaryPath("product-service"), "serve"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      DATABASE_URL: databaseUrl,
      INTERNAL_TOKEN,
    },
    stdin: "ignore",
    stdout: Bun.file(`${dir}/server.log`),
    stderr: Bun.file(`${dir}/server.err`),
  });
  try {
    // The port the OS picked, from the listening line; polled at the same 1 ms step as /ready.
    const port = await waitForListeningPort({
      name: "product-service",
      output: () => readIfThere(`${dir}/server.log`),
      exitCode: () => child.exitCode,
      pollMs: 1,
    });
    const ms = await waitForOk(
      `http://127.0.0.1:${port}/ready`,
      child,
      startedAt,
      20_000,
      () => `see ${dir}`,
    );
    return { ms: Math.round(ms * 10) / 10, cpuMs: readCpuMs(child.pid) };
  } finally {
    child.kill("SIGTERM");
    await child.exited;
  }
}

export async function measureColdStart(starts = 5): Promise<ColdStart> {
  const fresh: Start[] = [];
  for (let i = 0; i < starts; i++) fresh.push(await startOnce(freshSqliteUrl(`cold-${i}`)));
  const existing = freshSqliteUrl("cold-existing");
  await startOnce(existing);
  const again: Start[] = [];
  for (let i = 0; i < starts; i++) again.push(await startOnce(existing));
  const samples = {
    freshDbMs: fresh.map((start) => start.ms),
    existingDbMs: again.map((start) => start.ms),
    freshDbCpuMs: fresh.map((start) => start.cpuMs),
    existingDbCpuMs: again.map((start) => start.cpuMs),
  };
  return {
    freshDbMs: median(samples.freshDbMs),
    existingDbMs: median(samples.existingDbMs),
    cpuMs: { freshDb: median(samples.freshDbCpuMs), existingDb: median(samples.existingDbCpuMs) },
    samples,
  };
}
