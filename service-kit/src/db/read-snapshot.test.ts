/**
 * The reads' shared snapshot (sqlite-reads.ts): reads within SNAPSHOT_MS share one read transaction,
 * yet every write of this process is seen by the reads that start after it resolved, whichever
 * connection committed it. Each test runs on a real SQLite file opened the way services open theirs.
 */

import { Database as SqliteFile } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { type Database, openDatabase } from "../db.ts";
import { SNAPSHOT_MS } from "./sqlite-reads.ts";

let db: Database | undefined;
let other: SqliteFile | undefined;
afterEach(async () => {
  other?.close();
  other = undefined;
  await db?.close();
  db = undefined;
});

async function openWithRow(): Promise<{ db: Database; file: string }> {
  const file = join(tempDir("read-snapshot-"), "db.sqlite");
  db = await openDatabase(`sqlite://${file}`);
  await db.write((sql) => sql`CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`);
  await db.write((sql) => sql`INSERT INTO t (id, n) VALUES (${"a"}, ${1})`);
  return { db, file };
}

async function readN(database: Database): Promise<number | undefined> {
  const rows = (await database.sql`SELECT n FROM t WHERE id = ${"a"}`) as { n: number }[];
  return rows[0]?.n;
}

describe("reads share a snapshot for a moment, and still see this process's writes", () => {
  test("a read right after db.write() resolved sees the write", async () => {
    const { db } = await openWithRow();
    for (let n = 2; n <= 20; n++) {
      expect(await readN(db)).toBe(n - 1);
      await db.write((sql) => sql`UPDATE t SET n = ${n} WHERE id = ${"a"}`);
      expect(await readN(db)).toBe(n);
    }
  });

  test("a read right after a transaction on Bun's client (a catalogue import) sees it", async () => {
    const { db } = await openWithRow();
    expect(await readN(db)).toBe(1);
    await db.sql.begin(async (tx) => {
      await tx`UPDATE t SET n = 2 WHERE id = ${"a"}`;
      // A read just before the COMMIT (the import is not done yet) takes a snapshot without the update.
      expect(await readN(db)).toBe(1);
    });
    expect(await readN(db)).toBe(2);
  });

  test("a read right after a statement that went to Bun's client sees it", async () => {
    const { db } = await openWithRow();
    expect(await readN(db)).toBe(1);
    await db.sql`UPDATE t SET n = 3 WHERE id = ${"a"}`;
    expect(await readN(db)).toBe(3);
  });

  /**
   * Reads with `readsInWindow` right after another process committed n + 1, while the snapshot taken
   * just before is still open, then reads again with `readAfter` once the window is over. On a busy
   * machine the reads may lie further apart than the window: then it tries again (bounded).
   */
  async function commitInsideWindow(
    readsInWindow: (db: Database) => Promise<unknown[]>,
    readAfter: (db: Database) => Promise<number | undefined>,
  ): Promise<void> {
    const { db, file } = await openWithRow();
    other = new SqliteFile(file);
    let sharedSeen = false;
    for (let attempt = 1; attempt <= 20 && !sharedSeen; attempt++) {
      await Bun.sleep(SNAPSHOT_MS + 5);
      // Timed from before the read that opens the snapshot: the window runs from there.
      const startedAt = performance.now();
      const before = (await readN(db)) as number;
      other.run(`UPDATE t SET n = ${before + 1} WHERE id = 'a'`);
      const inWindow = await readsInWindow(db);
      if (performance.now() - startedAt >= SNAPSHOT_MS) continue;
      // Same snapshot: the reads of one window cost one read transaction, not one each.
      expect(inWindow).toEqual(inWindow.map(() => before));
      await Bun.sleep(SNAPSHOT_MS + 5);
      expect(await readAfter(db)).toBe(before + 1);
      sharedSeen = true;
    }
    expect(sharedSeen).toBe(true);
  }

  test("reads within the window share one snapshot; another process's commit is seen once it ends", async () => {
    await commitInsideWindow(async (db) => [await readN(db)], readN);
  });

  test("a read with IN sql(list) is served from the snapshot too, and making the list ends nothing", async () => {
    const readIn = async (db: Database): Promise<number | undefined> => {
      const rows = (await db.sql`SELECT n FROM t WHERE id IN ${db.sql(["a", "b"])}`) as { n: number }[];
      return rows[0]?.n;
    };
    // Handed to Bun's client (as before), or had making the list ended the snapshot, it would see the update.
    await commitInsideWindow(async (db) => [await readIn(db), await readN(db)], readIn);
  });

  test("an idle snapshot is ended, so it does not hold back another connection's checkpoint", async () => {
    const { db, file } = await openWithRow();
    expect(await readN(db)).toBe(1);
    await Bun.sleep(SNAPSHOT_MS + 5);
    other = new SqliteFile(file);
    other.run("UPDATE t SET n = 5 WHERE id = 'a'");
    // TRUNCATE needs every reader gone from the WAL: busy is 1 while a snapshot is still open.
    const [busy] = other.query("PRAGMA wal_checkpoint(TRUNCATE)").values()[0] as number[];
    expect(busy).toBe(0);
    expect(await readN(db)).toBe(5);
  });
});
