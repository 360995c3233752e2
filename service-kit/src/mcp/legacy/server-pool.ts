/**
 * Idle McpServers for stateless requests. Building a server costs far more than answering a call
 * (the SDK makes a new Ajv instance per server, and every tool's zod schemas are built and compiled
 * again), so a stateless request borrows an idle server that stays connected to its own
 * InProcessTransport, and gives it back when the answer is out. A server serves one request at a
 * time, never two callers at once, and only servers of the same principal are reused, since a service
 * may build a caller-specific server.
 *
 * Only methods that leave no state in the server come here; anything else (logging/setLevel,
 * resources/subscribe, initialize) is served on a server of its own.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "../../auth/principal.ts";
import { IdlePool } from "../idle-pool.ts";
import { InProcessTransport } from "./in-process-transport.ts";

const STATELESS_SAFE = new Set([
  "tools/call",
  "tools/list",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "ping",
]);

/** True when serving `method` leaves nothing in the server that a later request could see. */
export function leavesNoState(method: string | undefined): boolean {
  return method !== undefined && STATELESS_SAFE.has(method);
}

export interface PooledServer {
  server: McpServer;
  transport: InProcessTransport;
}

export class StatelessServerPool {
  private readonly idle: IdlePool<PooledServer>;

  constructor(
    private readonly create: (principal: Principal) => McpServer,
    /** Idle servers kept across all principals; more are built under load and closed after. */
    maxIdle = 64,
  ) {
    this.idle = new IdlePool(maxIdle);
  }

  get size(): number {
    return this.idle.size;
  }

  /**
   * An idle server of `principal`, or one built and connected for it. Callers on the hot path take
   * an idle one with `takeIdle` first: that costs no promise and no turn of the event loop.
   */
  async acquire(principal: Principal): Promise<PooledServer> {
    const pooled = this.idle.take(principal.id);
    if (pooled) return pooled;
    const server = this.create(principal);
    const transport = new InProcessTransport();
    await server.connect(transport);
    return { server, transport };
  }

  /** An idle server of `principal`, now taken out of the pool; undefined when there is none. */
  takeIdle(principal: Principal): PooledServer | undefined {
    return this.idle.take(principal.id);
  }

  /** Takes a server back once its answer is out; past the bound it is closed instead. */
  release(principal: Principal, pooled: PooledServer): void {
    // A server closed while it served (shutdown) would reject every later request at once.
    if (pooled.transport.isClosed) return;
    if (!this.idle.put(principal.id, pooled)) void pooled.server.close();
  }

  clear(): void {
    for (const pooled of this.idle.drain()) void pooled.server.close();
  }
}
