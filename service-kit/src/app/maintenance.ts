/**
 * Background upkeep while the service runs: idle sessions, rate-limit buckets and old stream events
 * are forgotten, and the live-session count is logged when it changes.
 */
import type { RateLimiter } from "../http/rate-limit.ts";
import type { Logger } from "../log.ts";
import type { McpEndpoint } from "../mcp/endpoint.ts";
import { type DatabaseEventStore, EVENT_TTL_MS } from "../mcp/legacy/event-store.ts";

export interface MaintenanceOptions {
  endpoint: McpEndpoint;
  events: DatabaseEventStore;
  limiters: readonly RateLimiter[];
  sessionTtlMs: number;
  log: Logger;
}

/** Starts the sweep; returns the function that stops it. */
export function startMaintenance(options: MaintenanceOptions): () => void {
  const { endpoint, log } = options;
  const sweepMs = Math.min(60_000, Math.max(1000, options.sessionTtlMs / 4));
  let liveSessions = 0;
  const sweeper = setInterval(() => {
    const now = Date.now();
    const sweep = async (): Promise<void> => {
      await endpoint.sweep(now);
      for (const limiter of options.limiters) limiter.sweep(now);
      await options.events.prune(now - Math.min(EVENT_TTL_MS, options.sessionTtlMs));
      // Logged on change only: lets operators (and the abandoned-session test) see memory being released.
      if (endpoint.liveSessionCount !== liveSessions) {
        // The last sessions expired: collect now, while nobody waits on this task, so the next burst
        // reuses their memory instead of growing the task's footprint first.
        if (endpoint.liveSessionCount === 0) Bun.gc(true);
        liveSessions = endpoint.liveSessionCount;
        const memory = process.memoryUsage();
        const rssMb = Math.round(memory.rss / 1048576);
        // The JS heap after a full collection: what leaked sessions would keep. RSS also moves with
        // the allocator's caching, so it alone cannot tell a leak from noise.
        const heapMb = Math.round(memory.heapUsed / 1048576);
        log.info("live MCP sessions", { liveSessions, rssMb, heapMb });
      }
    };
    sweep().catch((error) => log.warn("session sweep failed", { error: String(error) }));
  }, sweepMs);
  return () => clearInterval(sweeper);
}
