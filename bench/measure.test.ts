/**
 * measureCase warms a case up by requests: it keeps loading the server until warmupRequests were
 * answered (or maxWarmupSeconds passed) before the measured run, so that the JIT's compiling is not
 * counted. A server in this process counts what it answered; wrk sends the load, as in a run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { measureCase, type RunSettings } from "./measure.ts";
import { readCpuMs, readRssMb, type ServerHandle } from "./processes.ts";

let answered = 0;
let server: ReturnType<typeof Bun.serve>;
let handle: ServerHandle;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () => {
      answered++;
      return new Response('{"ok":true}');
    },
  });
  handle = {
    name: "counting",
    pid: process.pid,
    port: server.port as number,
    baseUrl: `http://127.0.0.1:${server.port}`,
    logFile: "",
    rssMb: () => readRssMb(process.pid),
    cpuMs: () => readCpuMs(process.pid),
    stop: async () => undefined,
  };
});
afterAll(() => server?.stop(true));

const load = { path: "/", body: "{}", headers: {}, expect: '"ok"' };
const settings = (warmupRequests: number, maxWarmupSeconds: number): RunSettings => ({
  seconds: 1,
  connections: 4,
  threads: 1,
  warmupSeconds: 1,
  warmupRequests,
  maxWarmupSeconds,
});

/** Requests answered during the warm-up of one case. */
async function warmedWith(options: RunSettings): Promise<number> {
  const before = answered;
  const result = await measureCase("counting", "counting", handle, load, options);
  expect(result.errors.total).toBe(0);
  expect(result.requests).toBeGreaterThan(0);
  return answered - before - result.requests;
}

test("the warm-up goes on until warmupRequests were answered", async () => {
  // One 1 s round answers far fewer than this on a 2-core machine, so several rounds are needed.
  const wanted = 3 * (await warmedWith(settings(0, 30)));
  const warmed = await warmedWith(settings(wanted, 30));
  expect(warmed).toBeGreaterThanOrEqual(wanted);
}, 60_000);

test("and stops at maxWarmupSeconds when the server is too slow to answer that many", async () => {
  const started = performance.now();
  const warmed = await warmedWith(settings(Number.MAX_SAFE_INTEGER, 2));
  const seconds = (performance.now() - started) / 1000;
  expect(warmed).toBeGreaterThan(0);
  // Two 1 s rounds of warm-up, then the 1 s measured run; wrk's start-up adds a little.
  expect(seconds).toBeLessThan(6);
}, 60_000);
