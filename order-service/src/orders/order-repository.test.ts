/**
 * The repository's writes on both dialects: PostgreSQL writes an order and its lines in one statement,
 * SQLite row by row inside its group commit; both must store exactly the same thing, and the order
 * answered without a read back must be the order stored.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "service-kit";
import { openTestDatabase, TEST_DIALECTS, type TestDialect } from "../../../test/support/database.ts";
import { orderService } from "../service.ts";
import { confirmedAsStored, OrderRepository, type PendingOrder } from "./order-repository.ts";

for (const dialect of TEST_DIALECTS) describeRepository(dialect);

function pending(id: string, key: string | null): PendingOrder {
  return {
    id,
    principal: "alice",
    idempotencyKey: key,
    itemsFingerprint: "p002:2,p003:1",
    note: "it's a gift",
    maxTotalCents: 20_000,
    items: [
      { productId: "p002", quantity: 2 },
      { productId: "p003", quantity: 1 },
    ],
    createdAt: "2026-11-26T10:00:00.000Z",
  };
}

const confirmation = {
  lines: [
    { productId: "p003", name: "Mechanical Keyboard", unitPriceCents: 8_999 },
    { productId: "p002", name: "Wireless Headphones", unitPriceCents: 14_999 },
  ],
  totalCents: 38_997,
  currency: "USD",
};

function describeRepository(dialect: TestDialect): void {
  describe(`OrderRepository on ${dialect}`, () => {
    let db: Database;
    let repository: OrderRepository;

    beforeEach(async () => {
      db = await openTestDatabase(orderService.migrations, dialect);
      repository = new OrderRepository(db);
    }, 60_000);

    afterEach(async () => {
      await db.close();
    });

    test("insertPending stores the order and every line once; a repeated key stores nothing and returns the first", async () => {
      const first = await repository.insertPending(pending("ord-1", "k-1"));
      expect(first.created).toBe(true);
      expect(await repository.find("alice", "ord-1")).toEqual(first.order);
      expect(first.order.lines).toEqual([
        { productId: "p002", quantity: 2, name: null, unitPriceCents: null },
        { productId: "p003", quantity: 1, name: null, unitPriceCents: null },
      ]);
      expect(first.order.maxTotalCents).toBe(20_000);

      const repeat = await repository.insertPending(pending("ord-2", "k-1"));
      expect(repeat).toEqual({ order: first.order, created: false });
      const lines = (await db.sql`SELECT order_id FROM order_lines`) as { order_id: string }[];
      expect(lines.map((line) => line.order_id)).toEqual(["ord-1", "ord-1"]);
      expect(await repository.find("alice", "ord-2")).toBeUndefined();
    });

    test("a cap as large as ORDER_CONFIRM_ABOVE allows (100,000,000 units, 10^10 cents) is stored as it is", async () => {
      const { order } = await repository.insertPending({
        ...pending("ord-big-cap", null),
        maxTotalCents: 1e10,
      });
      expect(order.maxTotalCents).toBe(1e10);
      expect((await repository.find("alice", "ord-big-cap"))?.maxTotalCents).toBe(1e10);
    });

    test("confirm prices every line and the order once; a second confirm changes nothing", async () => {
      const { order } = await repository.insertPending(pending("ord-3", null));
      const at = "2026-11-26T10:00:01.000Z";
      expect(await repository.confirm("ord-3", confirmation, at)).toBe(true);
      const stored = await repository.find("alice", "ord-3");
      expect(stored).toEqual(confirmedAsStored(order, confirmation, at));
      expect(stored?.lines.map((line) => line.unitPriceCents)).toEqual([14_999, 8_999]);

      const other = { ...confirmation, totalCents: 1, lines: [] };
      expect(await repository.confirm("ord-3", other, "2026-11-26T10:00:02.000Z")).toBe(false);
      expect(await repository.find("alice", "ord-3")).toEqual(stored);
      expect(await repository.confirm("ord-unknown", confirmation, at)).toBe(false);
    });

    test("dropPending deletes a pending order with its lines, nothing else", async () => {
      await repository.insertPending(pending("ord-4", null));
      await repository.insertPending(pending("ord-5", "k-5"));
      await repository.confirm("ord-5", confirmation, "2026-11-26T10:00:01.000Z");
      expect(await repository.dropPending("ord-4")).toBe(true);
      expect(await repository.dropPending("ord-5")).toBe(false);
      expect(await repository.find("alice", "ord-4")).toBeUndefined();
      expect((await repository.find("alice", "ord-5"))?.status).toBe("confirmed");
      const lines = (await db.sql`SELECT order_id FROM order_lines`) as { order_id: string }[];
      expect(new Set(lines.map((line) => line.order_id))).toEqual(new Set(["ord-5"]));
    });
  });
}
