/**
 * On PostgreSQL, order writes that arrive together share one transaction (postgres-write-batches.ts):
 * each caller gets its own statement's result, only once the COMMIT is done; when one statement
 * fails, nothing of the batch is written and each runs again alone; a lone statement is sent alone.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { SQL } from "bun";
import type { Database } from "service-kit";
import { migrate, openDatabase } from "service-kit/testing";
import { countingTransactions, createTestDatabase } from "../../../test/support/postgres.ts";
import { orderService } from "../service.ts";
import { OrderRepository, type PendingOrder } from "./order-repository.ts";
import { PostgresWriteBatches } from "./postgres-write-batches.ts";

let url: string;
let db: Database;

beforeEach(async () => {
  url = await createTestDatabase("test");
  db = await openDatabase(url);
  await migrate(db, orderService.migrations);
  await db.sql`CREATE TABLE notes (id text PRIMARY KEY, body text NOT NULL CHECK (body <> ''))`;
}, 60_000);

afterEach(async () => {
  await db.close();
});

const insertNote =
  (id: string, body: string) =>
  async (sql: SQL): Promise<number> =>
    (await sql`INSERT INTO notes (id, body) VALUES (${id}, ${body}) ON CONFLICT DO NOTHING`).count;

async function noteIds(): Promise<string[]> {
  const rows = (await db.sql`SELECT id FROM notes ORDER BY id`) as { id: string }[];
  return rows.map((row) => row.id);
}

function pending(id: string, key: string): PendingOrder {
  return {
    id,
    principal: "alice",
    idempotencyKey: key,
    itemsFingerprint: "p002:1",
    note: null,
    maxTotalCents: null,
    items: [{ productId: "p002", quantity: 1 }],
    createdAt: "2026-11-27T10:00:00.000Z",
  };
}

test("statements sent together are committed by one transaction, and each caller reads its own result", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  const results = await Promise.all([
    batches.run(insertNote("n-1", "one")),
    batches.run(insertNote("n-2", "two")),
    batches.run(insertNote("n-1", "again")),
  ]);
  expect(results).toEqual([1, 1, 0]);
  expect(counted.transactions()).toBe(1);
  expect(batches.sharedTransactions).toBe(1);
  expect(await noteIds()).toEqual(["n-1", "n-2"]);
});

test("a caller hears of its write only when another connection can read it: after the COMMIT", async () => {
  const batches = new PostgresWriteBatches(db.sql);
  const other = new SQL(url);
  try {
    const seenByOther = await Promise.all(
      ["n-a", "n-b", "n-c"].map(async (id) => {
        await batches.run(insertNote(id, "body"));
        const rows = (await other`SELECT count(*)::integer AS n FROM notes WHERE id = ${id}`) as {
          n: number;
        }[];
        return rows[0]?.n;
      }),
    );
    expect(seenByOther).toEqual([1, 1, 1]);
    expect(batches.sharedTransactions).toBe(1);
  } finally {
    await other.close();
  }
});

test("when one statement fails, nothing of the batch stays written and the others succeed alone", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  const outcomes = await Promise.allSettled([
    batches.run(insertNote("n-1", "one")),
    batches.run(insertNote("n-bad", "")), // fails the CHECK
    batches.run(insertNote("n-2", "two")),
  ]);
  expect(outcomes[0]).toEqual({ status: "fulfilled", value: 1 });
  expect(outcomes[2]).toEqual({ status: "fulfilled", value: 1 });
  expect(outcomes[1]?.status).toBe("rejected");
  expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain("notes_body_check");
  // The shared transaction was rolled back; the second attempt ran each statement on its own.
  expect(counted.transactions()).toBe(1);
  expect(batches.sharedTransactions).toBe(0);
  expect(await noteIds()).toEqual(["n-1", "n-2"]);
});

test("a statement that arrives alone is sent alone, with no transaction around it", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  expect(await batches.run(insertNote("n-1", "one"))).toBe(1);
  expect(await batches.run(insertNote("n-2", "two"))).toBe(1);
  expect(counted.transactions()).toBe(0);
  expect(await noteIds()).toEqual(["n-1", "n-2"]);
});

test("orders placed together: one idempotency key sent twice in one batch stores one order, and both callers get it", async () => {
  const counted = countingTransactions(db.sql);
  const repository = new OrderRepository({ ...db, sql: counted.sql });
  const [first, twin, other] = await Promise.all([
    repository.insertPending(pending("ord-1", "k-1")),
    repository.insertPending(pending("ord-2", "k-1")),
    repository.insertPending(pending("ord-3", "k-3")),
  ]);
  expect(first?.created).toBe(true);
  expect(twin).toEqual({ order: first?.order, created: false });
  expect(other?.created).toBe(true);
  expect(counted.transactions()).toBe(1);

  const confirmation = {
    lines: [{ productId: "p002", name: "Wireless Headphones", unitPriceCents: 14_999 }],
    totalCents: 14_999,
    currency: "USD",
  };
  const at = "2026-11-27T10:00:01.000Z";
  const confirmed = await Promise.all([
    repository.confirm("ord-1", confirmation, at),
    repository.confirm("ord-3", confirmation, at),
    repository.confirm("ord-2", confirmation, at), // never stored: nothing to confirm
  ]);
  expect(confirmed).toEqual([true, true, false]);
  expect(counted.transactions()).toBe(2);
  const rows = (await db.sql`SELECT id, status, total_cents FROM orders ORDER BY id`) as {
    id: string;
    status: string;
    total_cents: number | string;
  }[];
  expect(rows.map((row) => [row.id, row.status, Number(row.total_cents)])).toEqual([
    ["ord-1", "confirmed", 14_999],
    ["ord-3", "confirmed", 14_999],
  ]);
});
