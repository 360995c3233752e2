/**
 * The statements of one create_order on SQLite, each timed alone on a real file (issue #15):
 *   node scripts/bun.mjs scripts/sqlite-write-cost.ts [--runs 3000]
 * Each statement runs `runs` times inside a transaction that is then rolled back (so no fsync is
 * timed), through Bun's SQL client as db.write ran them before, and through the kit's writing handle
 * (service-kit/src/db/sqlite-writes.ts), which keeps them prepared. Prints the median of 3 in µs.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SQL } from "bun";
import { withCachedWrites } from "service-kit/testing";

const ROOT = join(import.meta.dir, "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "3000" } } });
const RUNS = Number(values.runs);
const ROUNDS = 3;
const COLUMNS =
  "id, principal, idempotency_key, items_fingerprint, status, note, total_cents, currency, rejection_reason, max_total_cents, created_at, updated_at";
const now = new Date().toISOString();

type Case = [name: string, run: (sql: SQL, key: string) => Promise<unknown>];
const CASES: Case[] = [
  [
    "order: INSERT orders (unsafe)",
    (sql, key) =>
      sql.unsafe(
        `INSERT INTO orders (${COLUMNS}) VALUES ($1, $2, $3, $4, 'pending', $5, NULL, NULL, NULL, $6, $7, $7) ON CONFLICT DO NOTHING`,
        [key, "alice", key, "fp", null, null, now],
      ),
  ],
  [
    "order: INSERT order_lines",
    (sql, key) =>
      sql`INSERT INTO order_lines (order_id, line_no, product_id, quantity) VALUES (${key}, ${1}, ${"p1"}, ${1})`,
  ],
  [
    "order: UPDATE orders confirm RETURNING",
    (sql, key) =>
      sql`UPDATE orders SET status = 'confirmed', total_cents = ${100}, currency = ${"USD"}, updated_at = ${now}
        WHERE id = ${key} AND status = 'pending' RETURNING principal`,
  ],
  [
    "order: UPDATE order_lines confirm",
    (sql, key) =>
      sql`UPDATE order_lines SET product_name = ${"P"}, unit_price_cents = ${100} WHERE order_id = ${key} AND product_id = ${"p1"}`,
  ],
  [
    "product: SELECT reservations",
    (sql, key) => sql`SELECT order_id, items_fingerprint, status FROM reservations WHERE order_id = ${key}`,
  ],
  [
    "product: SELECT products IN sql(ids)",
    (sql) => sql`SELECT id, name, price_cents, currency, stock FROM products WHERE id IN ${sql(["p1"])}`,
  ],
  [
    "product: INSERT reservations",
    (sql, key) =>
      sql`INSERT INTO reservations (order_id, items_fingerprint, status, created_at)
        VALUES (${key}, ${"fp"}, 'active', ${now}) ON CONFLICT DO NOTHING`,
  ],
  [
    "product: UPDATE products stock",
    (sql) => sql`UPDATE products SET stock = stock - ${1} WHERE id = ${"p1"} AND stock >= ${1}`,
  ],
  [
    "product: INSERT reservation_lines",
    (sql, key) =>
      sql`INSERT INTO reservation_lines (order_id, product_id, product_name, quantity, unit_price_cents, currency)
        VALUES (${key}, ${"p1"}, ${"P"}, ${1}, ${100}, ${"USD"})`,
  ],
  [
    "kit: SAVEPOINT + RELEASE",
    async (sql) => {
      await sql.unsafe("SAVEPOINT group_commit_job");
      await sql.unsafe("RELEASE group_commit_job");
    },
  ],
];

function createFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "sqlite-write-cost-")), "cost.sqlite");
  const setup = new Database(file);
  setup.run("PRAGMA journal_mode = WAL");
  for (const migration of [
    "order-service/migrations/001_orders.sql",
    "order-service/migrations/002_order_cap.sql",
    "product-service/migrations/001_catalog.sql",
    "product-service/migrations/002_reservations.sql",
  ]) {
    setup.exec(readFileSync(join(ROOT, migration), "utf8"));
  }
  setup.run("INSERT INTO categories (id, name) VALUES ('c', 'C')");
  setup.run(
    "INSERT INTO products (id, name, description, category_id, price_cents, currency, stock, created_at, updated_at) " +
      "VALUES ('p1', 'P', 'd', 'c', 100, 'USD', 1000000000, ?1, ?1)",
    [now],
  );
  setup.close();
  return file;
}

/**
 * µs per run of each case, one round in one rolled-back transaction. The cases run in the order of an
 * order, on the same keys, so each finds the rows (and foreign keys) the ones before it wrote.
 */
async function round(begin: SQL["begin"], tag: string): Promise<Map<string, number>> {
  const costs = new Map<string, number>();
  await begin(async (tx) => {
    const sql = tx as unknown as SQL;
    for (const [name, run] of CASES) {
      const start = Bun.nanoseconds();
      for (let index = 0; index < RUNS; index++) await run(sql, `${tag}-${index}`);
      costs.set(name, (Bun.nanoseconds() - start) / RUNS / 1000);
    }
    throw new RollBack();
  }).catch((error: unknown) => {
    if (!(error instanceof RollBack)) throw error;
  });
  return costs;
}

class RollBack extends Error {}

const median = (costs: number[]): number =>
  [...costs].sort((a, b) => a - b)[Math.floor(costs.length / 2)] ?? 0;

const file = createFile();
const client = new SQL({ adapter: "sqlite", filename: file });
await client.unsafe("PRAGMA synchronous = FULL");
await client.unsafe("PRAGMA foreign_keys = ON");
const kept = withCachedWrites(file);
const bun: Map<string, number>[] = [];
const cached: Map<string, number>[] = [];
for (let index = 0; index < ROUNDS; index++) {
  bun.push(await round(client.begin.bind(client) as SQL["begin"], `b${index}`));
  cached.push(await round(kept.sql.begin as SQL["begin"], `k${index}`));
}
kept.close();
await client.close();
console.log(`${"statement".padEnd(40)} ${"Bun's client µs".padStart(16)} ${"kept prepared µs".padStart(17)}`);
for (const [name] of CASES) {
  const of = (rounds: Map<string, number>[]): string =>
    median(rounds.map((costs) => costs.get(name) ?? 0)).toFixed(1);
  console.log(`${name.padEnd(40)} ${of(bun).padStart(16)} ${of(cached).padStart(17)}`);
}
