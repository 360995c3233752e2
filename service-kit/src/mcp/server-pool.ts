/**
 * Idle McpServers for stateless requests. Building a server costs far more than answering a call
 * (the SDK makes a new Ajv instance per server, and every tool's zod schemas are built and compiled
 * again), so a stateless request borrows an idle server, connects it to its own new transport, and
 * gives it back once that transport is closed. The SDK supports this: a Protocol may connect to a new
 * transport after close(). A server serves one request at a time, never two callers at once, and
 * only servers of the same principal are reused, since a service may build a caller-specific server.
 *
 * A server goes back only after methods that leave no state in it; after anything else
 * (logging/setLevel, resources/subscribe, batches, initialize) it is dropped.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Principal } from "../auth/principal.ts";

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

export class StatelessServerPool {
  private readonly idle = new Map<string, McpServer[]>();
  private idleCount = 0;

  constructor(
    private readonly create: (principal: Principal) => McpServer,
    /** Idle servers kept across all principals; more are built under load and dropped after. */
    private readonly maxIdle = 64,
  ) {}

  get size(): number {
    return this.idleCount;
  }

  acquire(principal: Principal): McpServer {
    const list = this.idle.get(principal.id);
    const server = list?.pop();
    if (!server) return this.create(principal);
    this.idleCount--;
    if (list?.length === 0) this.idle.delete(principal.id);
    return server;
  }

  /** Takes a server back once its transport has closed; it must no longer be connected. */
  release(principal: Principal, server: McpServer): void {
    if (server.isConnected() || this.idleCount >= this.maxIdle) return;
    const list = this.idle.get(principal.id) ?? [];
    list.push(server);
    this.idle.set(principal.id, list);
    this.idleCount++;
  }

  clear(): void {
    this.idle.clear();
    this.idleCount = 0;
  }
}
