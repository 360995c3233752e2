/**
 * On PostgreSQL, reservations that arrive together share one transaction (postgres-batches.ts,
 * postgres-reserve-together.ts): each is answered as it would be alone, in arrival order; a batch
 * waits for a product row another transaction holds and decides on what committed; when another
 * instance reserved one of its orders meanwhile, nothing of the batch is written and each runs again
 * alone; a reservation that arrives alone is sent alone; two instances' batches of the same products
 * take their locks in one order.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { SQL } from "bun";
import type { Database } from "service-kit";
import { migrate, openDatabase } from "service-kit/testing";
import { openTestDatabase } from "../../../test/support/database.ts";
import {
  countingTransactions,
  createTestDatabase,
  waitForLockWaits,
} from "../../../test/support/postgres.ts";
import { Catalog } from "../catalog/catalog.ts";
import { demoCatalog, productService } from "../service.ts";
import { Reservations } from "./reservations.ts";

let db: Database;
let reservations: Reservations;

beforeEach(async () => {
  db = await openTestDatabase(productService.migrations, "postgres");
  await new Catalog(db.sql).import(demoCatalog);
  reservations = new Reservations(db);
}, 60_000);

afterEach(async () => {
  await db.close();
});

async function stockOf(id: string): Promise<number> {
  const rows = (await db.sql`SELECT stock FROM products WHERE id = ${id}`) as { stock: number | string }[];
  return Number(rows[0]?.stock);
}

test("reservations sent together are written by one transaction, each answered as if alone", async () => {
  const counted = countingTransactions(db.sql);
  reservations = new Reservations({ ...db, sql: counted.sql });
  const [p001, p002] = [await stockOf("p001"), await stockOf("p002")];
  const outcomes = await Promise.all([
    reservations.reserve("o-a", [{ productId: "p002", quantity: 1 }]),
    reservations.reserve("o-short", [{ productId: "p002", quantity: p002 + 1 }]),
    reservations.reserve("o-b", [{ productId: "p001", quantity: 2 }]),
    // The same order twice in one transaction: the second sees the first's rows and replays them.
    reservations.reserve("o-a", [{ productId: "p002", quantity: 1 }]),
    reservations.reserve("o-unknown", [{ productId: "p999", quantity: 1 }]),
    ...Array.from({ length: 10 }, (_, index) =>
      reservations.reserve(`o-many-${index}`, [{ productId: "p002", quantity: 1 }]),
    ),
  ]);
  expect(outcomes.slice(0, 5).map((outcome) => outcome.kind)).toEqual([
    "reserved",
    "short",
    "reserved",
    "reserved",
    "short",
  ]);
  expect(outcomes[0]).toMatchObject({ replayed: false, lines: [{ productId: "p002", quantity: 1 }] });
  expect(outcomes[3]).toMatchObject({ replayed: true, lines: [{ productId: "p002", quantity: 1 }] });
  // o-short arrived after o-a, and the batch keeps arrival order among orders of one product: it sees
  // the unit o-a took before it in the same transaction.
  expect(outcomes[1]).toMatchObject({
    shortages: [{ productId: "p002", requested: p002 + 1, available: p002 - 1 }],
  });
  expect(outcomes[4]).toMatchObject({ shortages: [{ productId: "p999", name: null, available: 0 }] });
  expect(outcomes.slice(5).every((outcome) => outcome.kind === "reserved" && !outcome.replayed)).toBe(true);
  expect([await stockOf("p001"), await stockOf("p002")]).toEqual([p001 - 2, p002 - 11]);
  // 12 reservations written (o-a, o-b and ten more) and 15 answered: a transaction each would be 15.
  const written = (await db.sql`SELECT count(*)::integer AS n FROM reservations`) as { n: number }[];
  expect(written[0]?.n).toBe(12);
  expect(counted.transactions()).toBe(1);
});

test("a batch waits for a product row another transaction holds, and decides on the stock it committed", async () => {
  const p001 = await stockOf("p001");
  // Another connection empties p002 and holds the row's lock: the batch's lock on p002 waits for it,
  // then reads the stock that committed.
  const session = await db.sql.reserve();
  try {
    await session`BEGIN`;
    await session`UPDATE products SET stock = 0 WHERE id = 'p002'`;
    const together = Promise.all([
      reservations.reserve("o-first", [{ productId: "p001", quantity: 1 }]),
      reservations.reserve("o-late", [{ productId: "p002", quantity: 1 }]),
      reservations.reserve("o-after", [{ productId: "p001", quantity: 1 }]),
    ]);
    await waitForLockWaits(db.sql);
    await session`COMMIT`;
    const outcomes = await together;
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["reserved", "short", "reserved"]);
    expect(outcomes[1]).toMatchObject({ shortages: [{ productId: "p002", requested: 1, available: 0 }] });
  } finally {
    session.release();
  }
  expect([await stockOf("p001"), await stockOf("p002")]).toEqual([p001 - 2, 0]);
  expect(await reservations.active("o-late")).toBeUndefined();
  expect((await reservations.active("o-first"))?.map((line) => line.productId)).toEqual(["p001"]);
  expect((await reservations.active("o-after"))?.map((line) => line.productId)).toEqual(["p001"]);
});

test("an order another instance reserved after the batch read it: nothing of the batch is written, each runs alone", async () => {
  const p001 = await stockOf("p001");
  // Another instance blocks o-dup (a cancellation that came first) in a transaction still open: the
  // batch does not see it when it reads, and its insert of o-dup waits for it.
  const session = await db.sql.reserve();
  try {
    await session`BEGIN`;
    await session`INSERT INTO reservations (order_id, items_fingerprint, status, created_at, released_at)
      VALUES ('o-dup', '', 'released', '2026-11-27T00:00:00Z', '2026-11-27T00:00:00Z')`;
    const together = Promise.all([
      reservations.reserve("o-dup", [{ productId: "p001", quantity: 1 }]),
      reservations.reserve("o-other", [{ productId: "p001", quantity: 1 }]),
    ]);
    await waitForLockWaits(db.sql);
    await session`COMMIT`;
    const outcomes = await together;
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["released", "reserved"]);
  } finally {
    session.release();
  }
  // Only o-other's unit left stock, and o-dup holds nothing.
  expect(await stockOf("p001")).toBe(p001 - 1);
  expect(await reservations.active("o-dup")).toBeUndefined();
  const lines = (await db.sql`SELECT order_id FROM reservation_lines ORDER BY order_id`) as {
    order_id: string;
  }[];
  expect(lines.map((line) => line.order_id)).toEqual(["o-other"]);
});

test("a reservation that arrives alone is one statement with no transaction around it", async () => {
  const counted = countingTransactions(db.sql);
  reservations = new Reservations({ ...db, sql: counted.sql });
  expect(await reservations.reserve("o-alone", [{ productId: "p002", quantity: 1 }])).toMatchObject({
    kind: "reserved",
    replayed: false,
  });
  expect(await reservations.reserve("o-alone", [{ productId: "p002", quantity: 1 }])).toMatchObject({
    kind: "reserved",
    replayed: true,
  });
  expect(counted.transactions()).toBe(0);
});

test("two instances' batches of the same products lock them in one order: no deadlock", async () => {
  const url = await createTestDatabase("test");
  const instances = [await openDatabase(url), await openDatabase(url)] as const;
  const [first, second] = instances;
  let outcomes: unknown[];
  try {
    await migrate(first, productService.migrations);
    await new Catalog(first.sql).import(demoCatalog);
    const [instanceA, instanceB] = [new Reservations(first), new Reservations(second)];
    // Another connection holds p001. Instance B's batch (p001, then p005) waits for it first, so it is
    // first in the row's queue; then instance A's batch (p005, then p001) comes. Locking in arrival
    // order, A would take p005 and wait for p001 behind B, and B, once it has p001, would wait for
    // p005: a deadlock. In id order, A waits for p001 holding nothing, and B goes through.
    const blocker = await first.sql.reserve();
    try {
      await blocker`BEGIN`;
      await blocker`SELECT id FROM products WHERE id = 'p001' FOR UPDATE`;
      const batchB = Promise.all([
        instanceB.reserve("o-b1", [{ productId: "p001", quantity: 1 }]),
        instanceB.reserve("o-b2", [{ productId: "p005", quantity: 1 }]),
      ]);
      await waitForLockWaits(first.sql, 1);
      const batchA = Promise.all([
        instanceA.reserve("o-a1", [{ productId: "p005", quantity: 1 }]),
        instanceA.reserve("o-a2", [{ productId: "p001", quantity: 1 }]),
      ]);
      await waitForLockWaits(first.sql, 2);
      await blocker`COMMIT`;
      outcomes = (await Promise.all([batchA, batchB])).flat();
    } finally {
      blocker.release();
    }
  } finally {
    await Promise.all(instances.map((instance) => instance.close()));
  }
  expect(outcomes.map((outcome) => (outcome as { kind: string }).kind)).toEqual([
    "reserved",
    "reserved",
    "reserved",
    "reserved",
  ]);
  // A backend writes its statistics before it leaves pg_stat_activity: once none is left on the
  // database, its deadlock count is final.
  const name = new URL(url).pathname.slice(1);
  const admin = new SQL(url.replace(`/${name}`, "/postgres"));
  try {
    expect(await deadlocksOnceIdle(admin, name)).toBe(0);
  } finally {
    await admin.close();
  }
});

/** pg_stat_database.deadlocks of `name`, read once no backend is connected to it (at most 5 s). */
async function deadlocksOnceIdle(admin: SQL, name: string): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const left =
      (await admin`SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = ${name}`) as {
        n: number;
      }[];
    if ((left[0]?.n ?? 0) === 0) break;
    await Bun.sleep(50);
  }
  await admin`SELECT pg_stat_clear_snapshot()`;
  const rows =
    (await admin`SELECT deadlocks::integer AS n FROM pg_stat_database WHERE datname = ${name}`) as {
      n: number;
    }[];
  return rows[0]?.n ?? -1;
}
