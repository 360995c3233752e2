/** Runs one case against a started server: warm-up, measured load, RSS during and after. */
import { type ServerHandle, sampleRss } from "./processes.ts";
import { type LoadResult, runWrk } from "./wrk.ts";

export interface RunSettings {
  seconds: number;
  connections: number;
  threads: number;
  warmupSeconds: number;
  /** The warm-up goes on, warmupSeconds at a time, until this many requests were answered... */
  warmupRequests: number;
  /** ...or this many seconds have passed. */
  maxWarmupSeconds: number;
}

/**
 * Requests a case is warmed up with in a full run. Bun compiles a hot path on its JIT threads during
 * about its first 12,000-15,000 calls: measured per second from a cold start (CPU of the threads named
 * JIT*), get_product's JIT threads went quiet after 3 s (15,000 calls), create_order's after 16-18 s
 * (14,000 orders), and until then their compiling counts in each request's CPU. A warm-up by time
 * alone (2 s) measured create_order mostly while it was still being compiled.
 */
export const FULL_RUN_WARMUP_REQUESTS = 15_000;
export const MAX_WARMUP_SECONDS = 30;

/**
 * Runs `round` (one burst of load; it returns the requests answered) until `requests` were answered
 * in all, `answered` counting those before, or `maxSeconds` have passed.
 */
export async function warmUntil(
  requests: number,
  maxSeconds: number,
  round: () => Promise<number>,
  answered = 0,
): Promise<number> {
  const started = performance.now();
  let total = answered;
  while (total < requests && (performance.now() - started) / 1000 < maxSeconds) total += await round();
  return total;
}

export interface CaseLoad {
  path: string;
  body: string;
  headers: Record<string, string>;
  expect: string;
  /** Captured request line and headers, sent as they are (see LoadSpec.rawHead in wrk.ts). */
  rawHead?: string;
  /** Ends what the load opened besides wrk's requests (a session's GET stream); called after the case. */
  close?: () => void;
}

export interface CaseResult extends LoadResult {
  id: string;
  label: string;
  rssMb: { underLoad: number; after: number };
  /**
   * Server CPU time (user + system, all threads) per answered request during the measured run. Unlike
   * requests/s it hardly moves when other work shares the machine, so it is the figure to compare runs by.
   */
  cpuMsPerRequest: number;
}

export async function measureCase(
  id: string,
  label: string,
  server: ServerHandle,
  load: CaseLoad,
  settings: RunSettings,
): Promise<CaseResult> {
  try {
    return await measureLoad(id, label, server, load, settings);
  } finally {
    load.close?.();
  }
}

async function measureLoad(
  id: string,
  label: string,
  server: ServerHandle,
  load: CaseLoad,
  settings: RunSettings,
): Promise<CaseResult> {
  const spec = {
    url: `${server.baseUrl}${load.path}`,
    connections: settings.connections,
    threads: settings.threads,
    body: load.body,
    headers: load.headers,
    expect: load.expect,
    ...(load.rawHead ? { rawHead: load.rawHead } : {}),
  };
  // The warm-up lets the JIT settle and pools fill; its figures are thrown away. A slow first answer
  // (a busy machine, a cold database) gets two longer tries before the case is given up.
  const warmupStarted = performance.now();
  let warmed = 0;
  for (let attempt = 0; attempt < 3 && warmed === 0; attempt++) {
    warmed = (await runWrk({ ...spec, seconds: settings.warmupSeconds * 2 ** attempt })).requests;
  }
  if (warmed === 0) throw new Error(`${id}: no request completed during warm-up; see ${server.logFile}`);
  await warmUntil(
    settings.warmupRequests,
    settings.maxWarmupSeconds - (performance.now() - warmupStarted) / 1000,
    async () => (await runWrk({ ...spec, seconds: settings.warmupSeconds })).requests,
    warmed,
  );
  const sampler = sampleRss(server);
  const cpuBefore = server.cpuMs();
  const result = await runWrk({ ...spec, seconds: settings.seconds });
  const cpuMs = server.cpuMs() - cpuBefore;
  const underLoad = sampler.stop();
  await Bun.sleep(500);
  const after = server.rssMb();
  const cpuMsPerRequest = result.requests > 0 ? Math.round((cpuMs / result.requests) * 1000) / 1000 : 0;
  return { id, label, ...result, rssMb: { underLoad, after }, cpuMsPerRequest };
}
