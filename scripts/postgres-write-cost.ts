/**
 * PostgreSQL's own CPU for the writes of one create_order, with no HTTP or MCP around them (issue #15):
 *   node scripts/bun.mjs scripts/postgres-write-cost.ts [--seconds 8] [--rounds 3] [--workers 32]
 * A throwaway PostgreSQL (Debian's package, default settings) gets both services' migrations and the
 * demo catalogue. Then `workers` loops, as many as the benchmark's connections, each place orders
 * of p002 (the product every bench order names) the way the services do, through their own code:
 * order-service's pending insert, product-service's reservation, order-service's confirmation, each
 * in the transactions that the writes of its kind arriving together share. Nothing else runs: no service,
 * no load generator, no NOTIFY. So the CPU that PostgreSQL's processes use per order here is less
 * than it uses under the benchmark, and `cores × 1000 / that` is more orders per second than this
 * machine could ever give create_order on PostgreSQL, even with services that took no CPU at all.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SQL } from "bun";
import { itemsFingerprint, normalizeItems } from "reservation-contract";
import { migrate, openDatabase } from "service-kit/testing";
import { BENCH_PRODUCT_ID } from "../bench/canned.ts";
import { readCpuMs } from "../bench/processes.ts";
import {
  confirmOnPostgres,
  insertPendingOnPostgres,
} from "../order-service/src/orders/postgres-order-writes.ts";
import { PostgresWriteBatches } from "../order-service/src/orders/postgres-write-batches.ts";
import { orderService } from "../order-service/src/service.ts";
import demoCatalog from "../product-service/data/demo-catalog.json" with { type: "json" };
import { Catalog } from "../product-service/src/catalog/catalog.ts";
import { PostgresReservationBatches } from "../product-service/src/reservations/postgres-batches.ts";
import { productService } from "../product-service/src/service.ts";
import { databaseUrl, startClusterPostgres } from "./cluster/postgres.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    workers: { type: "string", default: "32" },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const WORKERS = Number(values.workers);
for (const [name, value] of Object.entries({ SECONDS, ROUNDS, WORKERS })) {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name.toLowerCase()} must be a whole number ≥ 1`);
}

/** One order's three writes, in the order create_order makes them; throws if any is not what it expects. */
async function placeOne(
  orders: PostgresWriteBatches,
  reservations: PostgresReservationBatches,
  id: string,
): Promise<void> {
  const items = normalizeItems([{ productId: BENCH_PRODUCT_ID, quantity: 1 }]);
  const fingerprint = itemsFingerprint(items);
  const createdAt = new Date().toISOString();
  const pending = {
    id,
    principal: "postgres-write-cost",
    idempotencyKey: id,
    itemsFingerprint: fingerprint,
    note: null,
    maxTotalCents: null,
    items,
    createdAt,
  };
  const created = await orders.run(insertPendingOnPostgres, pending);
  if (!created) throw new Error(`order ${id} was not inserted`);
  const attempt = await reservations.reserve(
    { orderId: id, items, fingerprint, maxTotalCents: undefined },
    new Date().toISOString(),
  );
  if (attempt.kind !== "read" || !attempt.reserved) throw new Error(`order ${id}: no stock was reserved`);
  const product = attempt.products[0];
  if (!product) throw new Error(`order ${id}: the reservation read no product`);
  const unitPriceCents = Number(product.price_cents);
  const confirmation = {
    lines: [{ productId: product.id, name: product.name, unitPriceCents }],
    totalCents: unitPriceCents,
    currency: product.currency,
  };
  const now = new Date().toISOString();
  const principal = await orders.run(confirmOnPostgres, { id, confirmation, now });
  if (principal === undefined) throw new Error(`order ${id} was not confirmed`);
}

/** PostgreSQL's processes: the postmaster's children (backends, WAL writer, checkpointer …). */
function postgresCpuMs(postmaster: number): number {
  const children = Bun.spawnSync(["pgrep", "-P", String(postmaster)]).stdout.toString();
  const pids = [postmaster, ...children.split("\n").filter(Boolean).map(Number)];
  return pids.reduce((sum, pid) => {
    try {
      return sum + readCpuMs(pid);
    } catch {
      return sum; // a process that ended between pgrep and the read
    }
  }, 0);
}

const ownCpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function main(): Promise<void> {
  const postgres = await startClusterPostgres();
  const admin = new SQL(postgres.url);
  try {
    await admin.unsafe("CREATE DATABASE cost_product");
    await admin.unsafe("CREATE DATABASE cost_order");
    const product = await openDatabase(databaseUrl(postgres.url, "cost_product"));
    const order = await openDatabase(databaseUrl(postgres.url, "cost_order"));
    await migrate(product, productService.migrations);
    await migrate(order, orderService.migrations);
    await new Catalog(product.sql).seedIfEmpty(demoCatalog);
    await product.sql`UPDATE products SET stock = 1000000`;
    const reservations = new PostgresReservationBatches(product.sql);
    const orderWrites = new PostgresWriteBatches(order.sql);
    const postmaster = Number(
      (await Bun.file(join(postgres.dir, "data", "postmaster.pid")).text()).split("\n")[0],
    );

    let serial = 0;
    const run = async (seconds: number): Promise<number> => {
      const until = performance.now() + seconds * 1000;
      let placed = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (performance.now() < until) {
            await placeOne(orderWrites, reservations, `ord-cost-${++serial}`);
            placed++;
          }
        }),
      );
      return placed;
    };

    await run(Math.min(SECONDS, 4)); // warm-up: plans cached, JIT of this process, table pages in memory
    const cores = cpus().length;
    console.log(`${WORKERS} workers, ${SECONDS} s a round, ${cores} cores; CPU per order in ms:`);
    for (let round = 1; round <= ROUNDS; round++) {
      const [pgBefore, ownBefore] = [postgresCpuMs(postmaster), ownCpuMs()];
      const placed = await run(SECONDS);
      const pg = (postgresCpuMs(postmaster) - pgBefore) / placed;
      const own = (ownCpuMs() - ownBefore) / placed;
      console.log(
        `round ${round}: ${Math.round(placed / SECONDS)} orders/s; PostgreSQL ${pg.toFixed(3)} ms, this client ${own.toFixed(3)} ms; ` +
          `PostgreSQL alone would fill ${cores} cores at ${Math.round((cores * 1000) / pg)} orders/s`,
      );
    }
    await product.close();
    await order.close();
  } finally {
    await admin.close();
    await postgres.destroy();
  }
}

await main();
