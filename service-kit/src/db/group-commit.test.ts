/**
 * Group commit on real SQLite files: writes that queue together share one COMMIT, each in its own
 * savepoint, and nobody hears "done" before that COMMIT has made their work durable.
 */

import { Database as SqliteFile } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "../db.ts";
import { GroupCommit, NestedWriteError } from "./group-commit.ts";
import { withCachedWrites } from "./sqlite-writes.ts";

let db: Database | undefined;
let observer: SqliteFile | undefined;

afterEach(async () => {
  observer?.close();
  observer = undefined;
  await db?.close();
  db = undefined;
});

/** A fresh SQLite file with table `t`; `parent`/`child` has a foreign key checked only at COMMIT. */
async function openFile(maxWriteBatch?: number): Promise<{ db: Database; path: string }> {
  const path = join(mkdtempSync(join(tmpdir(), "kit-group-commit-")), "test.sqlite");
  db = await openDatabase(`sqlite://${path}`, maxWriteBatch ? { maxWriteBatch } : {});
  await db.sql`CREATE TABLE t (v TEXT PRIMARY KEY)`;
  await db.sql`CREATE TABLE parent (id INTEGER PRIMARY KEY)`;
  await db.sql`CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`;
  return { db, path };
}

/** What another connection (another process after a crash, say) finds in the file. */
function committedValues(path: string): string[] {
  observer ??= new SqliteFile(path, { readonly: true });
  return (observer.query("SELECT v FROM t ORDER BY v").all() as { v: string }[]).map((row) => row.v);
}

function insert(database: Database, value: string): Promise<unknown> {
  return database.write((sql) => sql`INSERT INTO t (v) VALUES (${value})`);
}

async function outcomeOf(promise: Promise<unknown>): Promise<"ok" | string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("SQLite group commit", () => {
  test("many concurrent writes all land, and each caller gets its own result", async () => {
    const { db, path } = await openFile();
    const values = Array.from({ length: 300 }, (_, index) => `v${String(index).padStart(3, "0")}`);
    const results = await Promise.all(
      values.map((value) =>
        db.write(async (sql) => {
          await sql`INSERT INTO t (v) VALUES (${value})`;
          return value.toUpperCase();
        }),
      ),
    );
    expect(results).toEqual(values.map((value) => value.toUpperCase()));
    expect(committedValues(path)).toEqual(values);
  });

  test("a job that fails inside a batch undoes only its own work and rejects only its caller", async () => {
    const { db, path } = await openFile();
    const first = insert(db, "a");
    const failing = db.write(async (sql) => {
      await sql`INSERT INTO t (v) VALUES ('b')`;
      throw new Error("b changed its mind");
    });
    const duplicate = insert(db, "a");
    const last = insert(db, "c");
    expect(await outcomeOf(first)).toBe("ok");
    expect(await outcomeOf(failing)).toBe("b changed its mind");
    expect(await outcomeOf(duplicate)).toMatch(/UNIQUE constraint failed/);
    expect(await outcomeOf(last)).toBe("ok");
    expect(committedValues(path)).toEqual(["a", "c"]);
  });

  test("when the first job of a batch fails, the writes queued behind it still commit", async () => {
    const { db, path } = await openFile();
    const failing = db.write(async (sql) => {
      await sql`INSERT INTO t (v) VALUES ('x')`;
      throw new Error("x failed");
    });
    const others = ["y", "z"].map((value) => insert(db, value));
    expect(await outcomeOf(failing)).toBe("x failed");
    expect(await Promise.all(others.map(outcomeOf))).toEqual(["ok", "ok"]);
    expect(committedValues(path)).toEqual(["y", "z"]);
  });

  test("a write is not acknowledged before the COMMIT holding it, and is in the file once it is", async () => {
    const { db, path } = await openFile();
    const reachedLast = Promise.withResolvers<void>();
    const releaseLast = Promise.withResolvers<void>();
    const acknowledged: string[] = [];
    // Queued in the same turn, so all three share one transaction, which the last one holds open.
    const early = ["first", "second"].map((value) =>
      insert(db, value).then(() => {
        acknowledged.push(value);
      }),
    );
    const last = db.write(async (sql) => {
      reachedLast.resolve();
      await releaseLast.promise;
      await sql`INSERT INTO t (v) VALUES ('third')`;
    });
    await reachedLast.promise;
    try {
      // The first two INSERTs have run, but their transaction is still open.
      expect(acknowledged).toEqual([]);
      expect(committedValues(path)).toEqual([]);
    } finally {
      releaseLast.resolve();
    }
    await Promise.all(early);
    expect(committedValues(path)).toEqual(["first", "second", "third"]);
    await last;
  });

  test("when the COMMIT fails, every write of the batch is rejected and nothing is kept", async () => {
    const { db, path } = await openFile();
    const good = insert(db, "good");
    // Valid until COMMIT, where the deferred foreign key fails the whole transaction.
    const orphan = db.write((sql) => sql`INSERT INTO child (parent_id) VALUES (42)`);
    expect(await outcomeOf(good)).toMatch(/FOREIGN KEY constraint failed/);
    expect(await outcomeOf(orphan)).toMatch(/FOREIGN KEY constraint failed/);
    expect(committedValues(path)).toEqual([]);
    // The queue goes on with a clean transaction.
    expect(await outcomeOf(insert(db, "after"))).toBe("ok");
    expect(committedValues(path)).toEqual(["after"]);
  });

  test("a batch holds at most maxWriteBatch writes; the rest commit separately", async () => {
    const { db, path } = await openFile(2);
    const good = insert(db, "shares the failing commit");
    const orphan = db.write((sql) => sql`INSERT INTO child (parent_id) VALUES (7)`);
    const next = insert(db, "next batch");
    expect(await outcomeOf(good)).toMatch(/FOREIGN KEY/);
    expect(await outcomeOf(orphan)).toMatch(/FOREIGN KEY/);
    expect(await outcomeOf(next)).toBe("ok");
    expect(committedValues(path)).toEqual(["next batch"]);
  });

  test("a job that ends the transaction itself fails its whole batch; no write is acknowledged", async () => {
    const { db, path } = await openFile();
    const good = insert(db, "good");
    const rogue = db.write(async (sql) => {
      await sql.unsafe("ROLLBACK");
      throw new Error("rogue rolled back");
    });
    expect(await outcomeOf(good)).not.toBe("ok");
    expect(await outcomeOf(rogue)).not.toBe("ok");
    expect(committedValues(path)).toEqual([]);
    expect(await outcomeOf(insert(db, "after"))).toBe("ok");
    expect(committedValues(path)).toEqual(["after"]);
  });

  test("a write started from inside another write is refused instead of waiting forever", async () => {
    const { db, path } = await openFile();
    const outer = db.write(async (sql) => {
      await sql`INSERT INTO t (v) VALUES ('outer')`;
      const inner = await outcomeOf(insert(db, "inner"));
      return inner;
    });
    expect(await outer).toBe(new NestedWriteError().message);
    expect(committedValues(path)).toEqual(["outer"]);
  });

  test("when the transaction cannot start, the queued writes are rejected instead of left waiting", async () => {
    const { path } = await openFile();
    // The writing connection, closed: its BEGIN throws.
    const writer = withCachedWrites(path);
    writer.close();
    const commits = new GroupCommit(writer.sql);
    const writes = ["a", "b"].map((value) =>
      commits.write((sql) => sql`INSERT INTO t (v) VALUES (${value})`),
    );
    for (const outcome of await Promise.all(writes.map(outcomeOf))) expect(outcome).not.toBe("ok");
  });

  test("close() waits for queued writes to commit", async () => {
    const { db, path } = await openFile();
    const writes = ["p", "q", "r"].map((value) => insert(db, value));
    await db.close();
    expect(await Promise.all(writes.map(outcomeOf))).toEqual(["ok", "ok", "ok"]);
    expect(committedValues(path)).toEqual(["p", "q", "r"]);
  });
});
