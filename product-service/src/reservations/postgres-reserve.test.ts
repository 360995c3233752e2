/**
 * The one-statement reservation on PostgreSQL is all or nothing by itself (it runs with no transaction
 * around it): a line whose stock was taken since it was read fails the whole statement, and a second
 * reservation of the same order writes nothing.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { Database } from "service-kit";
import { openTestDatabase } from "../../../test/support/database.ts";
import { Catalog } from "../catalog/catalog.ts";
import { demoCatalog, productService } from "../service.ts";
import { takeStockOnPostgres } from "./postgres-reserve.ts";
import type { ReservedLine } from "./types.ts";

let db: Database;

beforeEach(async () => {
  db = await openTestDatabase(productService.migrations, "postgres");
  await new Catalog(db.sql).import(demoCatalog);
}, 60_000);

afterEach(async () => {
  await db.close();
});

const line = (productId: string, quantity: number): ReservedLine => ({
  productId,
  name: productId,
  quantity,
  unitPriceCents: 100,
  currency: "USD",
});

async function stocks(): Promise<number[]> {
  const rows = (await db.sql`SELECT stock FROM products WHERE id IN ('p001', 'p002') ORDER BY id`) as {
    stock: number | string;
  }[];
  return rows.map((row) => Number(row.stock));
}

async function count(table: "reservations" | "reservation_lines"): Promise<number> {
  const rows = (await db.sql.unsafe(`SELECT count(*)::integer AS n FROM ${table}`)) as { n: number }[];
  return rows[0]?.n ?? -1;
}

test("a line short at write time writes nothing at all: no reservation, no line, no other stock taken", async () => {
  const before = await stocks();
  const tooMany = (before[1] ?? 0) + 1;
  const lines = [line("p001", 1), line("p002", tooMany)];
  expect(await takeStockOnPostgres(db.sql, "o-short", "fp", new Date().toISOString(), lines)).toBe(false);
  expect(await stocks()).toEqual(before);
  expect([await count("reservations"), await count("reservation_lines")]).toEqual([0, 0]);
});

test("every line taken once; the same order again writes nothing", async () => {
  const before = await stocks();
  const lines = [line("p001", 2), line("p002", 3)];
  const now = new Date().toISOString();
  expect(await takeStockOnPostgres(db.sql, "o-1", "fp", now, lines)).toBe(true);
  expect(await stocks()).toEqual([(before[0] ?? 0) - 2, (before[1] ?? 0) - 3]);
  expect(await takeStockOnPostgres(db.sql, "o-1", "fp", now, lines)).toBe(false);
  expect(await stocks()).toEqual([(before[0] ?? 0) - 2, (before[1] ?? 0) - 3]);
  expect([await count("reservations"), await count("reservation_lines")]).toEqual([1, 2]);
});
