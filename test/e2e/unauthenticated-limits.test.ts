/**
 * Callers without valid credentials are limited per client address, against the compiled binary with
 * API keys: key guessing stops after a burst, and X-Forwarded-For counts only when TRUSTED_PROXY_HOPS
 * says a proxy (the ALB) appends it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServiceHandle, startService } from "../support/service-process.ts";

const KEY = "rmcp_unauthenticated_limits_key_0001";
const PING = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });

let direct: ServiceHandle;
let behindAlb: ServiceHandle;

beforeAll(async () => {
  const env = { AUTH_MODE: "api-key", API_KEYS: `alice=${KEY}` };
  [direct, behindAlb] = await Promise.all([
    startService("product-service", { env }),
    startService("product-service", { env: { ...env, TRUSTED_PROXY_HOPS: "1" } }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([direct?.stop(), behindAlb?.stop()]);
});

async function ping(service: ServiceHandle, headers: Record<string, string>): Promise<Response> {
  return fetch(service.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: PING,
  });
}

test("wrong keys from one address get 401 twenty times, then 429, and the right key waits too", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 24; i++) {
    // A forged X-Forwarded-For changes nothing: this server trusts no proxy.
    const response = await ping(direct, {
      authorization: `Bearer rmcp_guess_${i}`,
      "x-forwarded-for": `198.51.100.${i}`,
    });
    statuses.push(response.status);
    await response.arrayBuffer();
  }
  expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
  expect(statuses.slice(20)).toEqual(Array(4).fill(429));
  const right = await ping(direct, { authorization: `Bearer ${KEY}` });
  expect(right.status).toBe(429);
  expect(Number(right.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(((await right.json()) as { error: { message: string } }).error.message).toContain(
    "failed authentication attempts",
  );
  // The address is the socket's: the forged X-Forwarded-For entries never show up.
  const failures = direct.logLines().filter((line) => line.authFailure !== undefined || line.rateLimited);
  expect(failures.length).toBeGreaterThanOrEqual(20);
  expect(new Set(failures.map((line) => line.clientAddress))).toEqual(new Set(["127.0.0.1"]));
});

test("behind the ALB the last X-Forwarded-For entry is the caller; forged entries before it do not help", async () => {
  for (let i = 0; i < 21; i++) {
    const response = await ping(behindAlb, { "x-forwarded-for": `10.9.9.${i}, 203.0.113.7` });
    await response.arrayBuffer();
    expect(response.status).toBe(i < 20 ? 401 : 429);
  }
  const logged = behindAlb.logLines().filter((line) => line.authFailure !== undefined);
  expect(new Set(logged.map((line) => line.clientAddress))).toEqual(new Set(["203.0.113.7"]));
  // Another client of the same ALB (another last entry) is not affected.
  const other = await ping(behindAlb, { authorization: `Bearer ${KEY}`, "x-forwarded-for": "203.0.113.8" });
  expect(other.status).toBe(200);
});

test("without auth, callers are limited per client address, not as one shared principal", async () => {
  const open = await startService("product-service", {
    env: { AUTH_MODE: "none", RATE_LIMIT_PER_MINUTE: "60", RATE_LIMIT_BURST: "3", TRUSTED_PROXY_HOPS: "1" },
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await ping(open, { "x-forwarded-for": "203.0.113.20" });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another address still has its own allowance.
    const other = await ping(open, { "x-forwarded-for": "203.0.113.21" });
    expect(other.status).toBe(200);
  } finally {
    await open.stop();
  }
}, 60_000);
