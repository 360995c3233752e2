/**
 * The ceiling serves real SDK v2 clients with product-service's own answers: the 32-client case's
 * comparison only means something if the same clients, unchanged, succeed against it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type ServiceHandle, startService } from "../test/support/service-process.ts";
import { cannedAnswers, runClients } from "./client-cases.ts";
import type { ServerHandle } from "./processes.ts";
import { startCeiling } from "./servers.ts";

let product: ServiceHandle;
let ceiling: ServerHandle;
let answersFile: string;

beforeAll(async () => {
  product = await startService("product-service");
  answersFile = await cannedAnswers(product);
  ceiling = await startCeiling(answersFile);
}, 120_000);

afterAll(async () => {
  await ceiling?.stop();
  await product?.stop();
});

const settings = {
  seconds: 1,
  connections: 1,
  threads: 1,
  warmupSeconds: 0,
  warmupRequests: 0,
  maxWarmupSeconds: 0,
};

describe("the ceiling with canned answers", () => {
  test("holds product-service's results for server/discover and get_product", () => {
    const answers = JSON.parse(readFileSync(answersFile, "utf8")) as Record<string, string>;
    expect(Object.keys(answers).sort()).toEqual(["server/discover", "tools/call"]);
    expect(JSON.parse(answers["tools/call"] ?? "{}")).toMatchObject({ structuredContent: { id: "p002" } });
  });

  test("answers each request with its own id, refuses methods it has no answer for", async () => {
    const post = async (body: unknown): Promise<Response> =>
      fetch(`${ceiling.baseUrl}/mcp`, { method: "POST", body: JSON.stringify(body) });
    const answer = await (await post({ jsonrpc: "2.0", id: 41, method: "tools/call", params: {} })).json();
    expect(answer).toMatchObject({ jsonrpc: "2.0", id: 41, result: { structuredContent: { id: "p002" } } });
    const refused = await (await post({ jsonrpc: "2.0", id: "x", method: "tools/list" })).json();
    expect(refused).toMatchObject({ id: "x", error: { code: -32601 } });
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
  });

  test("real SDK v2 clients connect and call get_product against it without an error", async () => {
    const run = await runClients(ceiling, settings);
    expect(run.errors).toBe(0);
    expect(run.calls).toBeGreaterThan(0);
    expect(run.latencyMs.p99).toBeGreaterThan(0);
  }, 60_000);
});
