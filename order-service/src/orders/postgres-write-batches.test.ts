/**
 * On PostgreSQL, order writes that arrive together are made by one statement per kind, in one
 * transaction (postgres-write-batches.ts): each caller gets its own input's result, only once the
 * COMMIT is done; when one fails, nothing of the batch is written and each input is written again
 * alone; a lone input is written alone.
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

interface Note {
  id: string;
  body: string;
}

/** A merged write as the repository's are: one statement for every note, one count per note. */
async function insertNotes(sql: SQL, notes: readonly Note[]): Promise<number[]> {
  const rows = (await sql.unsafe(
    `INSERT INTO notes (id, body) SELECT id, body FROM jsonb_to_recordset($1::jsonb) AS note(id text, body text)
     ON CONFLICT DO NOTHING RETURNING id`,
    [notes],
  )) as { id: string }[];
  const inserted = new Set(rows.map((row) => row.id));
  const seen = new Set<string>();
  return notes.map((note) => {
    const first = !seen.has(note.id);
    seen.add(note.id);
    return first && inserted.has(note.id) ? 1 : 0;
  });
}

/** A second kind of write, to batch beside insertNotes. */
async function appendToNotes(sql: SQL, notes: readonly Note[]): Promise<number[]> {
  return Promise.all(
    notes.map(
      async (note) => (await sql`UPDATE notes SET body = body || ${note.body} WHERE id = ${note.id}`).count,
    ),
  );
}

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

test("writes of one kind sent together are made by one statement, and each caller reads its own result", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  const results = await Promise.all([
    batches.run(insertNotes, { id: "n-1", body: "one" }),
    batches.run(insertNotes, { id: "n-2", body: "two" }),
    batches.run(insertNotes, { id: "n-1", body: "again" }),
  ]);
  expect(results).toEqual([1, 1, 0]);
  // One autocommit statement: no transaction around it.
  expect(counted.transactions()).toBe(0);
  expect(batches.mergedStatements).toBe(1);
  expect(await noteIds()).toEqual(["n-1", "n-2"]);
});

test("writes of two kinds sent together share one transaction, one statement per kind", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  await batches.run(insertNotes, { id: "n-0", body: "zero" });
  const results = await Promise.all([
    batches.run(insertNotes, { id: "n-1", body: "one" }),
    batches.run(appendToNotes, { id: "n-0", body: "+" }),
    batches.run(insertNotes, { id: "n-2", body: "two" }),
    batches.run(appendToNotes, { id: "n-9", body: "+" }),
  ]);
  expect(results).toEqual([1, 1, 1, 0]);
  expect(counted.transactions()).toBe(1);
  expect(batches.mergedStatements).toBe(2);
  const rows = (await db.sql`SELECT id, body FROM notes ORDER BY id`) as Note[];
  expect(rows).toEqual([
    { id: "n-0", body: "zero+" },
    { id: "n-1", body: "one" },
    { id: "n-2", body: "two" },
  ]);
});

test("a caller hears of its write only when another connection can read it: after the COMMIT", async () => {
  const batches = new PostgresWriteBatches(db.sql);
  const other = new SQL(url);
  try {
    const seenByOther = await Promise.all(
      ["n-a", "n-b", "n-c"].map(async (id) => {
        await batches.run(insertNotes, { id, body: "body" });
        const rows = (await other`SELECT count(*)::integer AS n FROM notes WHERE id = ${id}`) as {
          n: number;
        }[];
        return rows[0]?.n;
      }),
    );
    expect(seenByOther).toEqual([1, 1, 1]);
    expect(batches.mergedStatements).toBe(1);
  } finally {
    await other.close();
  }
});

test("when one input fails, nothing of the batch stays written and the others succeed alone", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  const outcomes = await Promise.allSettled([
    batches.run(insertNotes, { id: "n-1", body: "one" }),
    batches.run(insertNotes, { id: "n-bad", body: "" }), // fails the CHECK
    batches.run(insertNotes, { id: "n-2", body: "two" }),
    batches.run(appendToNotes, { id: "n-1", body: "+" }),
  ]);
  expect(outcomes[0]).toEqual({ status: "fulfilled", value: 1 });
  expect(outcomes[2]).toEqual({ status: "fulfilled", value: 1 });
  expect(outcomes[1]?.status).toBe("rejected");
  expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain("notes_body_check");
  // The shared transaction was rolled back (so n-1 did not exist for the append), then each input
  // was written alone; the append ran beside n-1's insert, so it may have found n-1 or not.
  expect(counted.transactions()).toBe(1);
  expect(batches.mergedStatements).toBe(0);
  expect(await noteIds()).toEqual(["n-1", "n-2"]);
});

test("an input that arrives alone is written alone, with no transaction around it", async () => {
  const counted = countingTransactions(db.sql);
  const batches = new PostgresWriteBatches(counted.sql);
  expect(await batches.run(insertNotes, { id: "n-1", body: "one" })).toBe(1);
  expect(await batches.run(insertNotes, { id: "n-2", body: "two" })).toBe(1);
  expect(counted.transactions()).toBe(0);
  expect(batches.mergedStatements).toBe(0);
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
  // One statement wrote the batch: no transaction around it.
  expect(counted.transactions()).toBe(0);

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
    repository.confirm("ord-1", confirmation, at), // confirmed just before, in the same statement
  ]);
  expect(confirmed).toEqual([true, true, false, false]);
  expect(counted.transactions()).toBe(0);
  const rows = (await db.sql`SELECT id, status, total_cents FROM orders ORDER BY id`) as {
    id: string;
    status: string;
    total_cents: number | string;
  }[];
  expect(rows.map((row) => [row.id, row.status, Number(row.total_cents)])).toEqual([
    ["ord-1", "confirmed", 14_999],
    ["ord-3", "confirmed", 14_999],
  ]);
  const lines =
    (await db.sql`SELECT order_id, product_name, unit_price_cents FROM order_lines ORDER BY order_id`) as {
      order_id: string;
      product_name: string;
      unit_price_cents: number | string;
    }[];
  expect(lines.map((line) => [line.order_id, line.product_name, Number(line.unit_price_cents)])).toEqual([
    ["ord-1", "Wireless Headphones", 14_999],
    ["ord-3", "Wireless Headphones", 14_999],
  ]);
});
