import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "service-kit";
import { openTestDatabase, TEST_DIALECTS, type TestDialect } from "../../../test/support/database.ts";
import { Catalog } from "../catalog/catalog.ts";
import { demoCatalog, productService } from "../service.ts";
import { Reservations } from "./reservations.ts";

let db: Database;
let reservations: Reservations;

async function stockOf(id: string): Promise<number> {
  const rows = (await db.sql`SELECT stock FROM products WHERE id = ${id}`) as { stock: number }[];
  return Number(rows[0]?.stock);
}

for (const dialect of TEST_DIALECTS) describeReservations(dialect);

function describeReservations(dialect: TestDialect): void {
  describe(`Reservations on ${dialect}`, () => {
    beforeEach(async () => {
      db = await openTestDatabase(productService.migrations, dialect);
      await new Catalog(db.sql).import(demoCatalog);
      reservations = new Reservations(db);
    }, 60_000);

    afterEach(async () => {
      await db.close();
    });

    test("items priced in more than one currency are refused before any stock moves", async () => {
      await db.sql`UPDATE products SET currency = 'EUR' WHERE id = 'p003'`;
      await db.sql`UPDATE products SET currency = 'GBP' WHERE id = 'p005'`;
      const items = [
        { productId: "p005", quantity: 1 },
        { productId: "p003", quantity: 1 },
        { productId: "p002", quantity: 1 },
        { productId: "p001", quantity: 1 },
      ];
      expect(await reservations.reserve("o-mixed", items)).toEqual({
        kind: "mixed_currencies",
        orderId: "o-mixed",
        message:
          "The items are priced in 3 currencies, EUR (p003), GBP (p005) and USD (p001, p002), and one order " +
          "is paid in one currency. Place one order per currency.",
      });
      expect([await stockOf("p002"), await stockOf("p003")]).toEqual([100, 35]);
      expect(await reservations.active("o-mixed")).toBeUndefined();
      // Nothing was held under the order id: the same order in one currency can still be reserved.
      const single = await reservations.reserve("o-mixed", [{ productId: "p003", quantity: 1 }]);
      expect(single).toMatchObject({ kind: "reserved", lines: [{ productId: "p003", currency: "EUR" }] });
    });

    test("reserving takes the stock and answers with catalogue prices; a repeat replays it", async () => {
      const first = await reservations.reserve("o-1", [{ productId: "p002", quantity: 2 }]);
      expect(first).toEqual({
        kind: "reserved",
        orderId: "o-1",
        replayed: false,
        lines: [
          {
            productId: "p002",
            name: "Wireless Headphones",
            quantity: 2,
            unitPriceCents: 14999,
            currency: "USD",
          },
        ],
      });
      expect(await stockOf("p002")).toBe(98);
      const again = await reservations.reserve("o-1", [{ productId: "p002", quantity: 2 }]);
      expect(again.kind).toBe("reserved");
      expect(again.kind === "reserved" && again.replayed).toBe(true);
      expect(again.kind === "reserved" && again.lines).toEqual(first.kind === "reserved" ? first.lines : []);
      expect(await stockOf("p002")).toBe(98);
    });

    test("a repeat with other items is refused and changes nothing", async () => {
      await reservations.reserve("o-2", [{ productId: "p002", quantity: 1 }]);
      expect(await reservations.reserve("o-2", [{ productId: "p002", quantity: 3 }])).toEqual({
        kind: "items_differ",
        orderId: "o-2",
      });
      expect(await stockOf("p002")).toBe(99);
    });

    test("all or nothing: one short item names every shortage and takes no stock", async () => {
      const outcome = await reservations.reserve("o-3", [
        { productId: "p002", quantity: 5 },
        { productId: "p004", quantity: 1 },
        { productId: "p006", quantity: 19 },
        { productId: "p999", quantity: 1 },
      ]);
      expect(outcome).toEqual({
        kind: "short",
        orderId: "o-3",
        shortages: [
          { productId: "p004", name: "Running Shoes", requested: 1, available: 0 },
          { productId: "p006", name: "Studio Pro Noise-Cancelling Headphones", requested: 19, available: 18 },
          { productId: "p999", name: null, requested: 1, available: 0 },
        ],
      });
      expect(await stockOf("p002")).toBe(100);
      expect(await stockOf("p006")).toBe(18);
      expect(await reservations.active("o-3")).toBeUndefined();
    });

    test("release restores stock once; later releases and reservations of that order change nothing", async () => {
      await reservations.reserve("o-4", [
        { productId: "p002", quantity: 4 },
        { productId: "p005", quantity: 1 },
      ]);
      expect(await stockOf("p002")).toBe(96);
      expect(await reservations.release("o-4")).toEqual({
        orderId: "o-4",
        result: "released",
        restored: [
          { productId: "p002", quantity: 4 },
          { productId: "p005", quantity: 1 },
        ],
      });
      expect(await stockOf("p002")).toBe(100);
      expect(await stockOf("p005")).toBe(75);
      expect(await reservations.release("o-4")).toEqual({
        orderId: "o-4",
        result: "already_released",
        restored: [],
      });
      expect(await reservations.reserve("o-4", [{ productId: "p002", quantity: 4 }])).toEqual({
        kind: "released",
        orderId: "o-4",
      });
      expect(await stockOf("p002")).toBe(100);
    });

    test("a cap: above it nothing is reserved and the total is answered; within it, reserved; a replay ignores it", async () => {
      const items = [
        { productId: "p002", quantity: 1 },
        { productId: "p001", quantity: 1 },
      ];
      const before = [await stockOf("p001"), await stockOf("p002")];
      const above = await reservations.reserve("o-capped", items, 100);
      expect(above.kind).toBe("above_limit");
      const total = above.kind === "above_limit" ? above.totalCents : 0;
      expect(total).toBeGreaterThan(100);
      expect([await stockOf("p001"), await stockOf("p002")]).toEqual(before);
      expect(await reservations.active("o-capped")).toBeUndefined();
      expect(await reservations.reserve("o-capped", items, total)).toMatchObject({
        kind: "reserved",
        replayed: false,
      });
      // Every line is held and every stock taken (one statement on PostgreSQL, row by row on SQLite).
      const held = await reservations.active("o-capped");
      expect(held?.map((line) => [line.productId, line.quantity])).toEqual([
        ["p001", 1],
        ["p002", 1],
      ]);
      expect([await stockOf("p001"), await stockOf("p002")]).toEqual([
        (before[0] ?? 0) - 1,
        (before[1] ?? 0) - 1,
      ]);
      expect(await reservations.reserve("o-capped", items, 100)).toMatchObject({
        kind: "reserved",
        replayed: true,
      });
      // An unknown product makes the order short, not above a cap: there is no total to confirm.
      const unknown = await reservations.reserve("o-unknown", [{ productId: "p999", quantity: 1 }], 0);
      expect(unknown.kind).toBe("short");
    });

    test("a repeat is replayed, not refused, when the stock or the cap would refuse it now", async () => {
      const items = [{ productId: "p002", quantity: 2 }];
      expect(await reservations.reserve("o-again", items)).toMatchObject({
        kind: "reserved",
        replayed: false,
      });
      await db.sql`UPDATE products SET stock = 0 WHERE id = 'p002'`;
      expect(await reservations.reserve("o-again", items)).toMatchObject({
        kind: "reserved",
        replayed: true,
      });
      expect(await reservations.reserve("o-again", items, 1)).toMatchObject({
        kind: "reserved",
        replayed: true,
      });
      // Other items under the same order id are still told apart, short or not.
      expect(await reservations.reserve("o-again", [{ productId: "p002", quantity: 3 }])).toEqual({
        kind: "items_differ",
        orderId: "o-again",
      });
    });

    test("releasing an order that reserved nothing blocks a late reservation for it", async () => {
      expect(await reservations.release("o-late")).toEqual({
        orderId: "o-late",
        result: "unknown",
        restored: [],
      });
      expect((await reservations.reserve("o-late", [{ productId: "p002", quantity: 1 }])).kind).toBe(
        "released",
      );
      expect(await stockOf("p002")).toBe(100);
    });

    test("concurrent repeats of one order take the stock once", async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => reservations.reserve("same", [{ productId: "p002", quantity: 3 }])),
      );
      expect(outcomes.every((outcome) => outcome.kind === "reserved")).toBe(true);
      expect(outcomes.filter((outcome) => outcome.kind === "reserved" && !outcome.replayed)).toHaveLength(1);
      expect(await stockOf("p002")).toBe(97);
    });

    test("50 concurrent reservations of 1 unit against stock 10: exactly 10 succeed, stock ends at 0", async () => {
      await db.sql`UPDATE products SET stock = 10 WHERE id = 'p003'`;
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          reservations.reserve(`c-${index}`, [{ productId: "p003", quantity: 1 }]),
        ),
      );
      const kinds = outcomes.map((outcome) => outcome.kind);
      expect(kinds.filter((kind) => kind === "reserved")).toHaveLength(10);
      expect(kinds.filter((kind) => kind === "short")).toHaveLength(40);
      expect(await stockOf("p003")).toBe(0);
      const held = (await db.sql`
      SELECT sum(quantity) AS n FROM reservation_lines WHERE product_id = 'p003'`) as { n: number }[];
      expect(Number(held[0]?.n)).toBe(10);
    });
  });
}
