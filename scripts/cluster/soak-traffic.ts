/**
 * Open-loop mixed traffic for the soak: operations start at a fixed rate whatever the latency (so a
 * slow server cannot slow the clock down and hide itself), spread over a pool of long-lived sessions
 * through the proxy, plus new sessions that are initialized and then abandoned without DELETE, the way
 * a client that crashes or loses its network leaves them; those must expire server-side.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export type Operation = "search" | "get_product" | "create_order" | "list_orders" | "abandoned_session";

export interface OperationResult {
  op: Operation;
  at: number;
  latencyMs: number;
  ok: boolean;
  error?: string;
}

export interface TrafficOptions {
  productMcp: string;
  orderMcp: string;
  ratePerSecond: number;
  productIds: readonly string[];
  /** Share of each operation; need not sum to 1. */
  mix?: Partial<Record<Operation, number>>;
  poolSize?: number;
  /** Beyond this many operations in flight new ones are counted as errors ("overloaded"), not queued. */
  maxInFlight?: number;
  onResult(result: OperationResult): void;
}

export interface Traffic {
  /** Stops starting operations, waits for those in flight, closes the pooled sessions. */
  stop(): Promise<void>;
  abandonedSessions(): number;
}

const DEFAULT_MIX: Record<Operation, number> = {
  search: 0.3,
  get_product: 0.2,
  list_orders: 0.15,
  create_order: 0.15,
  abandoned_session: 0.2,
};
const QUERIES = ["headphones", "coffee", "running", "lamp", "book", "wireless", "yoga mat", "kettle"];

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "retail-soak", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<void> {
  const result = await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 });
  if (result.isError) {
    const text = (result.content as { text?: string }[]).map((part) => part.text ?? "").join(" ");
    throw new Error(`${name}: ${text.slice(0, 200)}`);
  }
}

/** initialize + initialized over raw HTTP, then forget the session: no DELETE, no open stream. */
async function abandonSession(mcpUrl: string): Promise<void> {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = await fetch(mcpUrl, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "soak-abandon", version: "1" },
      },
    }),
    signal: AbortSignal.timeout(30_000),
  });
  await init.text();
  const session = init.headers.get("mcp-session-id");
  if (!init.ok || !session) throw new Error(`initialize answered HTTP ${init.status}`);
  const done = await fetch(mcpUrl, {
    method: "POST",
    headers: { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    signal: AbortSignal.timeout(30_000),
  });
  await done.text();
  if (done.status !== 202) throw new Error(`initialized notification answered HTTP ${done.status}`);
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

export async function startTraffic(options: TrafficOptions): Promise<Traffic> {
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const ops = Object.keys(mix) as Operation[];
  const total = ops.reduce((sum, op) => sum + mix[op], 0);
  const poolSize = options.poolSize ?? 4;
  const products = await Promise.all(Array.from({ length: poolSize }, () => connect(options.productMcp)));
  const orders = await Promise.all(Array.from({ length: poolSize }, () => connect(options.orderMcp)));
  const maxInFlight = options.maxInFlight ?? 500;
  let inFlight = 0;
  let abandoned = 0;
  let sequence = 0;
  const running = new Set<Promise<void>>();

  const choose = (): Operation => {
    let roll = Math.random() * total;
    for (const op of ops) {
      roll -= mix[op];
      if (roll <= 0) return op;
    }
    return ops[ops.length - 1] as Operation;
  };
  const perform = (op: Operation): Promise<void> => {
    switch (op) {
      case "search":
        return call(pick(products), "search_products", { query: pick(QUERIES) });
      case "get_product":
        return call(pick(products), "get_product", { product_id: pick(options.productIds) });
      case "list_orders":
        return call(pick(orders), "list_orders", { limit: 5 });
      case "create_order":
        return call(pick(orders), "create_order", {
          items: [{ product_id: pick(options.productIds), quantity: 1 }],
          idempotency_key: `soak-${process.pid}-${sequence++}`,
        });
      case "abandoned_session":
        abandoned++;
        return abandonSession(Math.random() < 0.5 ? options.productMcp : options.orderMcp);
    }
  };
  const launch = (): void => {
    const op = choose();
    const at = Date.now();
    if (inFlight >= maxInFlight) {
      options.onResult({ op, at, latencyMs: 0, ok: false, error: "overloaded: too many calls in flight" });
      return;
    }
    inFlight++;
    const started = performance.now();
    const task = perform(op).then(
      () => options.onResult({ op, at, latencyMs: performance.now() - started, ok: true }),
      (error: unknown) =>
        options.onResult({
          op,
          at,
          latencyMs: performance.now() - started,
          ok: false,
          error: error instanceof Error ? error.message.slice(0, 300) : String(error),
        }),
    );
    const tracked = task.finally(() => {
      inFlight--;
      running.delete(tracked);
    });
    running.add(tracked);
  };

  // A drift-free clock: each tick launches however many operations are due by now.
  const intervalMs = 1000 / options.ratePerSecond;
  const startedAt = performance.now();
  let launched = 0;
  const timer = setInterval(
    () => {
      const due = Math.floor((performance.now() - startedAt) / intervalMs);
      while (launched < due) {
        launched++;
        launch();
      }
    },
    Math.max(5, Math.min(50, intervalMs)),
  );

  return {
    abandonedSessions: () => abandoned,
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...running]);
      await Promise.allSettled([...products, ...orders].map((client) => client.close()));
    },
  };
}
