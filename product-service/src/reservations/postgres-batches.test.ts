/**
 * On PostgreSQL, reservations that arrive together share one transaction (postgres-batches.ts): each
 * is answered as it would be alone; when one fails, nothing of the batch is written and each runs
 * again alone; a reservation that arrives alone is sent alone; two instances' batches of the same
 * products take their locks in one order.
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

test("one whose stock another transaction took meanwhile fails its batch: each runs again alone", async () => {
  const p001 = await stockOf("p001");
  // Another connection empties p002 and holds the row's lock: the reservations of p002 read the old
  // stock, wait on the row, and fail on CHECK (stock >= 0) once that commits.
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
    // Another connection holds both rows, so each instance's first statement waits on its first row;
    // once they are free, instance A (p005 arrived first) and instance B (p001 first) would each hold
    // the row the other needs next, if the batches kept arrival order.
    const blocker = await first.sql.reserve();
    try {
      await blocker`BEGIN`;
      await blocker`SELECT id FROM products WHERE id IN ('p001', 'p005') FOR UPDATE`;
      const together = Promise.all([
        instanceA.reserve("o-a1", [{ productId: "p005", quantity: 1 }]),
        instanceA.reserve("o-a2", [{ productId: "p001", quantity: 1 }]),
        instanceB.reserve("o-b1", [{ productId: "p001", quantity: 1 }]),
        instanceB.reserve("o-b2", [{ productId: "p005", quantity: 1 }]),
      ]);
      await waitForLockWaits(first.sql, 2);
      await blocker`COMMIT`;
      outcomes = await together;
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
