/**
 * `node scripts/bun.mjs scripts/event-latency.ts [--changes N]`: how fast live updates cross instances.
 * Starts the local cloud topology (own PostgreSQL, nginx, 2 product and 2 order tasks of the compiled
 * binaries, api-key auth), puts listeners on order-1 and product-1, and makes N changes one at a time
 * with create_order through order-2, in each MCP era (SDK v2 subscriptions/listen; SDK v1
 * resources/subscribe on a session's GET stream). For each change it times, from the start of the
 * tool call to the notification's arrival:
 * - order: the caller's `notifications/resources/list_changed` (published when the order is stored,
 *   the first thing create_order does, so this is close to pure delivery latency);
 * - stock: `product://…` updated (published by product-service's reservation, on whichever product
 *   task nginx chose, so it includes create_order's call to product-service).
 * Prints median, p99 and max per era and what was never heard within 2 s.
 */
import { parseArgs } from "node:util";
import { LegacyListener, type LiveListener, ModernListener } from "../test/support/live-listeners.ts";
import { callTool, connectClient } from "../test/support/mcp-client.ts";
import { startCluster } from "./cluster/cluster.ts";
import { testCatalog } from "./cluster/ledger.ts";

const PRODUCT = "latency-1";
const KEY = "rmcp_event_latency_key_0000000001";
const AUTH = { authorization: `Bearer ${KEY}` };
const GIVE_UP_MS = 2000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

function summary(samples: number[], missed: number): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const fixed = (value: number): string => value.toFixed(1).padStart(7);
  return `median ${fixed(percentile(sorted, 50))} ms  p99 ${fixed(percentile(sorted, 99))} ms  max ${fixed(sorted.at(-1) ?? Number.NaN)} ms  heard ${samples.length}, missed ${missed}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { changes: { type: "string" } } });
  const changes = Number(values.changes ?? 200);
  if (!Number.isInteger(changes) || changes < 1) throw new Error("--changes must be a whole number ≥ 1");
  console.log("starting the cluster (PostgreSQL, nginx, 2 product + 2 order tasks)…");
  const cluster = await startCluster({
    seedCatalog: testCatalog([{ id: PRODUCT, name: "Latency Widget", price: 1, stock: 1_000_000 }]),
    // One caller makes every change: its rate limit would pace the run rather than measure it.
    env: { AUTH_MODE: "api-key", API_KEYS: `alice=${KEY}`, LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "0" },
    productEnv: { SEED_DEMO_DATA: "false" },
    log: (line) => console.log(`  ${line}`),
  });
  const actor = await connectClient(cluster.urls.direct["order-2"] as string, AUTH);
  try {
    for (const era of ["2026-07-28", "2025-11-25"] as const) {
      const open = (url: string): Promise<LiveListener> =>
        era === "2026-07-28" ? ModernListener.connect(url, AUTH) : LegacyListener.connect(url, AUTH);
      const orders = await open(cluster.urls.direct["order-1"] as string);
      const stock = await open(cluster.urls.direct["product-1"] as string);
      await orders.watch([]);
      await stock.watch([`product://${PRODUCT}`]);
      const samples = { order: [] as number[], stock: [] as number[] };
      const missed = { order: 0, stock: 0 };
      try {
        for (let change = 0; change < changes; change++) {
          const started = performance.now();
          await callTool(actor.client, "create_order", { items: [{ product_id: PRODUCT, quantity: 1 }] });
          for (const [kind, listener, what] of [
            ["order", orders, "list_changed"],
            ["stock", stock, `product://${PRODUCT}`],
          ] as const) {
            const at = await listener.heardAfter(what, started, GIVE_UP_MS);
            if (at === undefined) missed[kind]++;
            else samples[kind].push(at - started);
          }
        }
      } finally {
        await Promise.allSettled([orders.close(), stock.close()]);
      }
      console.log(`\n${era}, ${changes} create_order calls on order-2, cross-instance on PostgreSQL:`);
      console.log(`  order list_changed at order-1:  ${summary(samples.order, missed.order)}`);
      console.log(`  product://… updated at product-1: ${summary(samples.stock, missed.stock)}`);
    }
  } finally {
    await actor.close();
    await cluster.stop();
  }
}

await main();
