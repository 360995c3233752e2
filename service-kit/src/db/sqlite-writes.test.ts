/**
 * Writes on SQLite run on a connection that keeps its prepared statements (Bun's client prepares and
 * finalizes each one on every call), and answer as Bun's client did: rows, `count`, lists, `unsafe`.
 */
import { Database as SqliteFile } from "bun:sqlite";
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "../db.ts";
import { UnsupportedWriteError } from "./sqlite-writes.ts";

let db: Database | undefined;

afterEach(async () => {
  await db?.close();
  db = undefined;
});

async function openFile(): Promise<Database> {
  const path = join(mkdtempSync(join(tmpdir(), "kit-sqlite-writes-")), "test.sqlite");
  db = await openDatabase(`sqlite://${path}`);
  await db.sql`CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`;
  return db;
}

describe("SQLite writes", () => {
  test("a write statement is prepared once, not on every call", async () => {
    const database = await openFile();
    const prepare = spyOn(SqliteFile.prototype, "prepare");
    try {
      const writes = Array.from({ length: 200 }, (_, index) =>
        database.write(async (sql) => {
          await sql`INSERT INTO t (id, n) VALUES (${`k${index}`}, ${index})`;
          await sql.unsafe("UPDATE t SET n = n + $2 WHERE id = $1", [`k${index}`, 1]);
        }),
      );
      await Promise.all(writes);
      const texts = prepare.mock.calls.map((call) => String(call[0]));
      expect(texts.filter((text) => text.startsWith("INSERT INTO t"))).toHaveLength(1);
      expect(texts.filter((text) => text.startsWith("UPDATE t SET"))).toHaveLength(1);
      expect(texts.filter((text) => text.startsWith("SAVEPOINT"))).toHaveLength(1);
    } finally {
      prepare.mockRestore();
    }
    expect(await database.sql`SELECT count(*) AS c, sum(n) AS s FROM t`).toEqual([
      { c: 200, s: 19900 + 200 },
    ]);
  });

  test("results carry rows and count as Bun's client gives them", async () => {
    const database = await openFile();
    const outcome = await database.write(async (sql) => {
      const inserted =
        await sql`INSERT INTO t (id, n) VALUES ('a', 1), ('b', 2), ('c', 3) ON CONFLICT DO NOTHING`;
      const again = await sql.unsafe("INSERT INTO t (id, n) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
        "a",
        9,
      ]);
      const listed = await sql`SELECT id FROM t WHERE id IN ${sql(["a", "c"])} ORDER BY id`;
      // `$n` binds the n-th value wherever it stands, and may repeat (Bun's client bound them in order of
      // first use, so this statement matched nothing there; PostgreSQL binds as here).
      const reordered = await sql.unsafe("UPDATE t SET n = $2 + $2 WHERE id = $1 RETURNING id, n", ["b", 5]);
      return { inserted: inserted.count, again: again.count, listed: [...listed], reordered: [...reordered] };
    });
    expect(outcome).toEqual({
      inserted: 3,
      again: 0,
      listed: [{ id: "a" }, { id: "c" }],
      reordered: [{ id: "b", n: 10 }],
    });
  });

  test("an undefined value is written as NULL, as Bun's client writes it", async () => {
    const database = await openFile();
    await database.sql`CREATE TABLE optional (id TEXT PRIMARY KEY, note TEXT)`;
    await database.write(async (sql) => {
      await sql`INSERT INTO optional (id, note) VALUES (${"template"}, ${undefined})`;
      await sql.unsafe("INSERT INTO optional (id, note) VALUES ($1, $2)", ["unsafe", undefined]);
    });
    expect(await database.sql`SELECT id, note FROM optional ORDER BY id`).toEqual([
      { id: "template", note: null },
      { id: "unsafe", note: null },
    ]);
  });

  test("a statement form it cannot keep is refused with what to do, and nothing of that write is kept", async () => {
    const database = await openFile();
    const write = database.write(async (sql) => {
      await sql`INSERT INTO t (id, n) VALUES ('x', 1)`;
      await sql`INSERT INTO t ${sql({ id: "y", n: 2 } as never)}`;
    });
    await expect(write).rejects.toBeInstanceOf(UnsupportedWriteError);
    await expect(write).rejects.toThrow(/tagged templates with plain values/);
    expect(await database.sql`SELECT id FROM t`).toEqual([]);
  });
});
