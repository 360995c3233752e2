import { describe, expect, test } from "bun:test";
import { RateLimiter, rateLimitResponse } from "./rate-limit.ts";

describe("RateLimiter", () => {
  test("allows a burst, then refuses with the time until the next token", () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 3 });
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take("alice", t).ok)).toEqual([true, true, true]);
    expect(limiter.take("alice", t)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // One token per second at 60/min.
    expect(limiter.take("alice", t + 1000).ok).toBe(true);
    expect(limiter.take("alice", t + 1000).ok).toBe(false);
  });

  test("principals have separate buckets", () => {
    const limiter = new RateLimiter({ perMinute: 1, burst: 1 });
    expect(limiter.take("alice", 0).ok).toBe(true);
    expect(limiter.take("alice", 0)).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(limiter.take("bob", 0).ok).toBe(true);
  });

  test("0 disables the limit", () => {
    const limiter = new RateLimiter({ perMinute: 0, burst: 0 });
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(limiter.take("alice").ok).toBe(true);
    expect(limiter.size).toBe(0);
  });

  test("memory stays bounded: least recently used buckets are evicted, refilled ones swept", () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 2, maxBuckets: 100 });
    for (let i = 0; i < 10_000; i++) limiter.take(`p${i}`, 0);
    expect(limiter.size).toBe(100);
    limiter.take("p9999", 0);
    expect(limiter.take("p9999", 0).ok).toBe(false);
    // Two tokens at one per second: full again after 2 s, so nothing is worth keeping.
    expect(limiter.sweep(1999)).toBe(0);
    expect(limiter.sweep(2000)).toBe(100);
    expect(limiter.size).toBe(0);
  });
});

test("rateLimitResponse is a 429 with Retry-After and a readable JSON-RPC error", async () => {
  const response = rateLimitResponse(7, 600);
  expect(response.status).toBe(429);
  expect(response.headers.get("retry-after")).toBe("7");
  const body = (await response.json()) as { error: { message: string } };
  expect(body.error.message).toBe(
    "Rate limit exceeded: at most 600 requests per minute per caller. Retry after 7 seconds.",
  );
});

test("blockedFor() tells how long an empty bucket stays empty, without taking a token", () => {
  const limiter = new RateLimiter({ perMinute: 60, burst: 2 });
  expect(limiter.blockedFor("10.0.0.1", 0)).toBeUndefined();
  limiter.take("10.0.0.1", 0);
  expect(limiter.blockedFor("10.0.0.1", 0)).toBeUndefined();
  limiter.take("10.0.0.1", 0);
  expect(limiter.blockedFor("10.0.0.1", 0)).toBe(1);
  expect(limiter.blockedFor("10.0.0.1", 0)).toBe(1);
  expect(limiter.blockedFor("10.0.0.1", 1000)).toBeUndefined();
  expect(new RateLimiter({ perMinute: 0, burst: 0 }).blockedFor("x", 0)).toBeUndefined();
});
