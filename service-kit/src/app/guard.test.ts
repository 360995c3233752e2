import { describe, expect, test } from "bun:test";
import { type AuthConfig, resolveAuth } from "../auth/auth-config.ts";
import { createAuthenticator } from "../auth/authenticator.ts";
import { RateLimiter } from "../http/rate-limit.ts";
import { newRequestContext, type RequestContext } from "../http/request-context.ts";
import { createLogger } from "../log.ts";
import { type McpGuard, mcpGuard } from "./guard.ts";

const log = createLogger("error", {}, () => undefined);
const base: AuthConfig = { HOST: "127.0.0.1", PORT: 3001, BASE_PATH: "", API_KEYS_CACHE_SECONDS: 60 };
const KEY = "rmcp_alice_dev_key_0123456789";
const policy = { allowedOrigins: [] as string[], loopbackBind: true };

/** A guard over a real authenticator and real limiters; `lookups` counts socket-address look-ups. */
async function guardFor(
  config: AuthConfig,
  limits: { perMinute: number; burst: number },
): Promise<{ guard: McpGuard; lookups: () => number; failures: RateLimiter }> {
  const resolved = resolveAuth(config, true);
  if (!resolved.ok) throw new Error(resolved.problem);
  const auth = await createAuthenticator(resolved.auth, config, { log, serviceName: "guard-test" });
  const failures = new RateLimiter({ perMinute: 1, burst: 2 });
  let lookups = 0;
  const guard = mcpGuard({
    policy,
    auth,
    limiter: new RateLimiter(limits),
    perMinute: limits.perMinute,
    failures,
    addressOf: (request) => {
      lookups++;
      return request.headers.get("x-test-peer") ?? "unknown";
    },
  });
  return { guard, lookups: () => lookups, failures };
}

function call(peer: string, key?: string): [Request, RequestContext] {
  const headers: Record<string, string> = { host: "127.0.0.1:3001", "x-test-peer": peer };
  if (key) headers.authorization = `Bearer ${key}`;
  const request = new Request("http://127.0.0.1:3001/mcp", { method: "POST", headers });
  return [request, newRequestContext(request)];
}

describe("mcpGuard", () => {
  test("api keys: the address is looked up only once some address has failed, and still blocks it", async () => {
    const { guard, lookups, failures } = await guardFor(
      { ...base, AUTH_MODE: "api-key", API_KEYS: `alice=${KEY}` },
      { perMinute: 600, burst: 60 },
    );
    for (let i = 0; i < 3; i++) expect(await guard(...call("10.0.0.1", KEY))).toBeUndefined();
    expect(lookups()).toBe(0);
    // Two failures from one address use up its allowance; its next request is refused unchecked.
    for (let i = 0; i < 2; i++) {
      const [request, context] = call("10.0.0.9", "rmcp_wrong_key_000000000000");
      expect((await guard(request, context))?.status).toBe(401);
      expect(context.fields.clientAddress).toBe("10.0.0.9");
    }
    expect(failures.size).toBe(1);
    const [blocked, blockedContext] = call("10.0.0.9", KEY);
    expect((await guard(blocked, blockedContext))?.status).toBe(429);
    expect(blockedContext.fields).toMatchObject({ rateLimited: true, clientAddress: "10.0.0.9" });
    const [other, otherContext] = call("10.0.0.1", KEY);
    expect(await guard(other, otherContext)).toBeUndefined();
    expect(otherContext.principal?.id).toBe("alice");
  });

  test("no auth: the address is looked up only when the allowance is on, and then counts per address", async () => {
    const off = await guardFor({ ...base, AUTH_MODE: "none" }, { perMinute: 0, burst: 0 });
    for (let i = 0; i < 5; i++) expect(await off.guard(...call("10.0.0.1"))).toBeUndefined();
    expect(off.lookups()).toBe(0);
    const on = await guardFor({ ...base, AUTH_MODE: "none" }, { perMinute: 1, burst: 2 });
    expect(await on.guard(...call("10.0.0.1"))).toBeUndefined();
    expect(await on.guard(...call("10.0.0.1"))).toBeUndefined();
    expect((await on.guard(...call("10.0.0.1")))?.status).toBe(429);
    expect(await on.guard(...call("10.0.0.2"))).toBeUndefined();
    expect(on.lookups()).toBe(4);
  });
});
