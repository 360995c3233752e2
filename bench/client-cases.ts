/**
 * The real-client case: 32 SDK v2 `Client` objects in one Node process on the load core
 * (bench/clients.mjs), calling get_product in a loop, against product-service and then against the
 * ceiling answering the same calls with product-service's own answers. The ratio says how much of
 * what these clients can do at all our server leaves them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadFixture, rpcMethod } from "./capture/fixtures.ts";
import type { HttpRequest } from "./capture/http-parse.ts";
import type { Progress } from "./cases.ts";
import type { RunSettings } from "./measure.ts";
import { pinning } from "./pinning.ts";
import { benchTempDir, type ServerHandle, sampleRss } from "./processes.ts";
import { freshSqliteUrl, startCeiling, startProduct } from "./servers.ts";

export const CLIENT_COUNT = 32;

export interface ClientRun {
  clients: number;
  calls: number;
  seconds: number;
  callsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  /** The first failed call's message, when any failed. */
  firstError?: string;
  /** The server's peak RSS while the clients ran. */
  serverRssMb: number;
}

export interface ClientCase {
  label: string;
  ours: ClientRun;
  ceiling: ClientRun;
  /** ours.callsPerSecond / ceiling.callsPerSecond */
  oursOverCeiling: number;
}

const RESULT_PREFIX = "CLIENTS_RESULT ";

export function parseClientsOutput(output: string, server: string): Omit<ClientRun, "serverRssMb"> {
  const line = output.split("\n").find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (!line) throw new Error(`clients against ${server} printed no result; their output was:\n${output}`);
  const raw = JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, number | string>;
  const num = (name: string): number => {
    const value = raw[name];
    if (typeof value !== "number") throw new Error(`clients result field "${name}" is missing in: ${line}`);
    return value;
  };
  const seconds = num("seconds");
  return {
    clients: num("clients"),
    calls: num("calls"),
    seconds,
    callsPerSecond: seconds > 0 ? Math.round(num("calls") / seconds) : 0,
    latencyMs: { p50: num("p50_ms"), p99: num("p99_ms"), max: num("max_ms") },
    errors: num("errors"),
    ...(raw.first_error ? { firstError: String(raw.first_error) } : {}),
  };
}

export async function runClients(server: ServerHandle, settings: RunSettings): Promise<ClientRun> {
  const sampler = sampleRss(server);
  const child = Bun.spawn(
    [
      ...pinning().load,
      "node",
      join(import.meta.dir, "clients.mjs"),
      `${server.baseUrl}/mcp`,
      String(CLIENT_COUNT),
      String(settings.seconds),
      String(settings.warmupSeconds),
    ],
    { cwd: join(import.meta.dir, ".."), stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const serverRssMb = sampler.stop();
  if (code !== 0) throw new Error(`clients against ${server.name} exited with ${code}:\n${stdout}${stderr}`);
  return { ...parseClientsOutput(stdout, server.name), serverRssMb };
}

/** The `result` of a JSON or SSE answer. */
function resultOf(text: string, contentType: string): unknown {
  const messages = contentType.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data:") && line.length > 6)
        .map((line) => JSON.parse(line.slice(5)) as { result?: unknown })
    : [JSON.parse(text) as { result?: unknown }];
  const found = messages.find((message) => message.result !== undefined);
  if (!found) throw new Error(`no JSON-RPC result in: ${text.slice(0, 300)}`);
  return found.result;
}

/**
 * product-service's answers to SDK v2's captured server/discover and get_product, keyed by method,
 * written to a file for the ceiling to serve.
 */
export async function cannedAnswers(product: Pick<ServerHandle, "baseUrl">): Promise<string> {
  const fixture = loadFixture("sdk-v2");
  const requests: HttpRequest[] = [...fixture.connect, fixture.calls.get_product];
  const answers: Record<string, string> = {};
  for (const request of requests) {
    const headers = request.headers.filter(
      ([name]) => !["host", "content-length", "connection"].includes(name.toLowerCase()),
    );
    const response = await fetch(`${product.baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body: request.body,
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`product-service answered ${rpcMethod(request)} with ${response.status}`);
    answers[rpcMethod(request)] = JSON.stringify(resultOf(text, response.headers.get("content-type") ?? ""));
  }
  const file = join(benchTempDir("retail-mcp-bench-answers-"), "answers.json");
  writeFileSync(file, JSON.stringify(answers));
  return file;
}

export async function runClientCase(settings: RunSettings, progress: Progress): Promise<ClientCase> {
  const label = `${CLIENT_COUNT} SDK v2 Client objects (one Node process on the load core) calling get_product`;
  progress(`clients: ${label}, against product-service`);
  const product = await startProduct(freshSqliteUrl("product"));
  let answersFile: string;
  let ours: ClientRun;
  try {
    answersFile = await cannedAnswers(product);
    ours = await runClients(product, settings);
  } finally {
    await product.stop();
  }
  progress(`clients: ${ours.callsPerSecond} calls/s, p99 ${ours.latencyMs.p99} ms, ${ours.errors} errors`);
  progress("clients: the same against the ceiling (canned answers from product-service)");
  const ceilingServer = await startCeiling(answersFile);
  let ceiling: ClientRun;
  try {
    ceiling = await runClients(ceilingServer, settings);
  } finally {
    await ceilingServer.stop();
  }
  progress(`clients vs ceiling: ${ceiling.callsPerSecond} calls/s, p99 ${ceiling.latencyMs.p99} ms`);
  const oursOverCeiling =
    ceiling.callsPerSecond > 0 ? Math.round((ours.callsPerSecond / ceiling.callsPerSecond) * 1000) / 1000 : 0;
  return { label, ours, ceiling, oursOverCeiling };
}
