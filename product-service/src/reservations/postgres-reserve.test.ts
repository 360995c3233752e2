/**
 * The one-statement reservation attempt on PostgreSQL: it writes exactly when the decision on what it
 * read is "take" (decide.ts), and it is all or nothing by itself (run here with no transaction around
 * it): stock taken after its snapshot fails the whole statement, and a second reservation of the same
 * order writes nothing.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { itemsFingerprint, normalizeItems } from "reservation-contract";
import type { Database } from "service-kit";
import { openTestDatabase } from "../../../test/support/database.ts";
import { waitForLockWaits } from "../../../test/support/postgres.ts";
import { Catalog } from "../catalog/catalog.ts";
import { demoCatalog, productService } from "../service.ts";
import { decideReservation, type ReservationRequest } from "./decide.ts";
import { reserveOnPostgres } from "./postgres-reserve.ts";
import type { RequestedItem } from "./types.ts";

let db: Database;

beforeEach(async () => {
  db = await openTestDatabase(productService.migrations, "postgres");
  await new Catalog(db.sql).import(demoCatalog);
}, 60_000);

afterEach(async () => {
  await db.close();
});

function request(orderId: string, items: RequestedItem[], maxTotalCents?: number): ReservationRequest {
  const normalized = normalizeItems(items);
  return { orderId, items: normalized, fingerprint: itemsFingerprint(normalized), maxTotalCents };
}

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

const now = () => new Date().toISOString();

test("it writes exactly when the decision on what it read is to take the stock", async () => {
  await db.sql`UPDATE products SET currency = 'EUR' WHERE id = 'p003'`;
  const [p001, p002] = await stocks();
  const cases: [string, ReservationRequest][] = [
    [
      "short",
      request("o-short", [
        { productId: "p001", quantity: 1 },
        { productId: "p002", quantity: (p002 ?? 0) + 1 },
      ]),
    ],
    [
      "unknown product",
      request("o-unknown", [
        { productId: "p001", quantity: 1 },
        { productId: "nope", quantity: 1 },
      ]),
    ],
    [
      "two currencies",
      request("o-mixed", [
        { productId: "p001", quantity: 1 },
        { productId: "p003", quantity: 1 },
      ]),
    ],
    ["above the cap", request("o-capped", [{ productId: "p001", quantity: 2 }], 1)],
    ["within the cap", request("o-within", [{ productId: "p001", quantity: 2 }], 100_000_000)],
    ["the whole stock", request("o-all", [{ productId: "p002", quantity: p002 ?? 0 }])],
    [
      "two lines",
      request("o-two", [
        { productId: "p002", quantity: 1 },
        { productId: "p001", quantity: 1 },
      ]),
    ],
  ];
  const decided: Record<string, [string, boolean]> = {};
  for (const [name, attempt] of cases) {
    // Each is read from what is stored now, after the cases before it took their stock.
    const result = await reserveOnPostgres(db.sql, attempt, now());
    if (result.kind !== "read") throw new Error(`${name}: ${result.kind}`);
    decided[name] = [decideReservation(attempt, result.stored, result.products).kind, result.reserved];
  }
  expect(decided).toEqual({
    short: ["refuse", false],
    "unknown product": ["refuse", false],
    "two currencies": ["refuse", false],
    "above the cap": ["refuse", false],
    "within the cap": ["take", true],
    "the whole stock": ["take", true],
    // p002 has no stock left, after "the whole stock".
    "two lines": ["refuse", false],
  });
  expect(await stocks()).toEqual([(p001 ?? 0) - 2, 0]);
  expect([await count("reservations"), await count("reservation_lines")]).toEqual([2, 2]);
});

test("the same order again writes nothing and reads the stored reservation", async () => {
  const before = await stocks();
  const attempt = request("o-1", [
    { productId: "p001", quantity: 2 },
    { productId: "p002", quantity: 3 },
  ]);
  const first = await reserveOnPostgres(db.sql, attempt, now());
  expect(first).toMatchObject({ kind: "read", stored: undefined, reserved: true });
  const again = await reserveOnPostgres(db.sql, attempt, now());
  expect(again).toMatchObject({
    kind: "read",
    stored: { status: "active", items_fingerprint: "p001:2,p002:3" },
    reserved: false,
  });
  expect(await stocks()).toEqual([(before[0] ?? 0) - 2, (before[1] ?? 0) - 3]);
  expect([await count("reservations"), await count("reservation_lines")]).toEqual([1, 2]);
});

test("stock taken after the statement's snapshot fails it whole: nothing written, no other stock taken", async () => {
  const before = await stocks();
  // Another connection empties p002 and holds its row lock, so the statement reads the old stock, waits
  // on the row in its UPDATE, and sees the new stock only when that commits.
  const session = await db.sql.reserve();
  try {
    await session`BEGIN`;
    await session`UPDATE products SET stock = 0 WHERE id = 'p002'`;
    const attempt = reserveOnPostgres(
      db.sql,
      request("o-late", [
        { productId: "p001", quantity: 1 },
        { productId: "p002", quantity: 1 },
      ]),
      now(),
    );
    await waitForLockWaits(db.sql);
    await session`COMMIT`;
    expect(await attempt).toEqual({ kind: "stock_moved" });
  } finally {
    session.release();
  }
  expect(await stocks()).toEqual([before[0] ?? -1, 0]);
  expect([await count("reservations"), await count("reservation_lines")]).toEqual([0, 0]);
});
