/**
 * Per-principal token buckets. Each principal may send `burst` requests at once and `perMinute` on
 * average. Limits are per instance: with N tasks behind the ALB a caller can reach N × the limit, which
 * is fine for protecting a task from one noisy caller (the goal here), not for billing-grade quotas.
 *
 * Memory is bounded: a bucket that has refilled completely carries no information and is dropped, and
 * beyond `maxBuckets` the least recently used bucket goes first.
 */
import { jsonRpcErrorResponse } from "../mcp/json-rpc.ts";

export interface RateLimitOptions {
  perMinute: number;
  burst: number;
  maxBuckets?: number;
}

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxBuckets: number;

  constructor(private readonly options: RateLimitOptions) {
    this.perMs = options.perMinute / 60_000;
    this.maxBuckets = options.maxBuckets ?? 10_000;
  }

  get enabled(): boolean {
    return this.options.perMinute > 0 && this.options.burst > 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, now: number = Date.now()): RateDecision {
    if (!this.enabled) return { ok: true, remaining: Number.POSITIVE_INFINITY };
    const bucket = this.refilled(key, now);
    // Re-inserting keeps Map order = least recently used first, which is what eviction walks.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxBuckets) this.evict();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /**
   * Seconds until `key` has a token again, or undefined when it has one now. Takes none: for refusing
   * a caller before doing the work, while only failures are charged with take().
   */
  blockedFor(key: string, now: number = Date.now()): number | undefined {
    if (!this.enabled || !this.buckets.has(key)) return undefined;
    const { tokens } = this.refilled(key, now);
    return tokens >= 1 ? undefined : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
  }

  private refilled(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.options.burst, updatedAt: now };
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + elapsed * this.perMs);
    bucket.updatedAt = now;
    return bucket;
  }

  private evict(): void {
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxBuckets) return;
      this.buckets.delete(key);
    }
  }

  /** Drops buckets that have refilled completely; call from a timer. */
  sweep(now: number = Date.now()): number {
    const fullAfterMs = this.options.burst / this.perMs;
    let removed = 0;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= fullAfterMs) {
        this.buckets.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}

/** 429 with Retry-After, and a JSON-RPC error a model can read and act on. */
export function rateLimitResponse(retryAfterSeconds: number, perMinute: number): Response {
  return jsonRpcErrorResponse(
    429,
    -32000,
    `Rate limit exceeded: at most ${perMinute} requests per minute per caller. Retry after ${retryAfterSeconds} seconds.`,
    { "retry-after": String(retryAfterSeconds) },
  );
}

/** 429 for an address whose failed authentication attempts used up its allowance. */
export function failedAuthLimitResponse(retryAfterSeconds: number): Response {
  return jsonRpcErrorResponse(
    429,
    -32000,
    `Too many failed authentication attempts from this address. Retry after ${retryAfterSeconds} seconds with valid credentials.`,
    { "retry-after": String(retryAfterSeconds) },
  );
}
