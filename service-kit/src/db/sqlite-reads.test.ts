import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { UNSAFE_CACHE_SIZE, withCachedReads } from "./sqlite-reads.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<{ raw: SQL; sql: SQL; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "sqlite-reads-"));
  dirs.push(dir);
  const file = join(dir, "db.sqlite");
  const raw = new SQL({ adapter: "sqlite", filename: file });
  await raw.unsafe("PRAGMA journal_mode = WAL");
  await raw`CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, f REAL, b BLOB, flag INTEGER)`;
  const reads = withCachedReads(raw, file);
  return { raw, ...reads };
}

describe("withCachedReads", () => {
  test("a SELECT answers the same rows, with the same types, as Bun's client", async () => {
    const { raw, sql } = await open();
    await sql`INSERT INTO t ${sql({ id: "a", n: 1, f: 1.5, b: new Uint8Array([1, 2]), flag: true })}`;
    const cached = await sql`SELECT * FROM t WHERE id = ${"a"} AND flag = ${true}`;
    const direct = await raw`SELECT * FROM t WHERE id = ${"a"} AND flag = ${true}`;
    expect([...cached]).toEqual([...direct]);
    expect(cached[0]).toEqual({ id: "a", n: 1, f: 1.5, b: new Uint8Array([1, 2]), flag: 1 });
  });

  test("reads see what is committed, not a transaction still open", async () => {
    const { sql } = await open();
    await sql`INSERT INTO t (id, n) VALUES (${"a"}, ${1})`;
    const read = () => sql`SELECT n FROM t WHERE id = ${"a"}`;
    await sql.begin(async (tx) => {
      await tx`UPDATE t SET n = 2 WHERE id = ${"a"}`;
      expect((await tx`SELECT n FROM t WHERE id = ${"a"}`)[0]).toEqual({ n: 2 });
      expect((await read())[0]).toEqual({ n: 1 });
    });
    expect((await read())[0]).toEqual({ n: 2 });
  });

  test("a SELECT with IN sql(list) answers as Bun's client does, for any number of items", async () => {
    const { raw, sql } = await open();
    await sql`INSERT INTO t (id, n) VALUES (${"a"}, ${1}), (${"b"}, ${2}), (${"c"}, ${3})`;
    for (const ids of [["a"], ["a", "c"], ["c", "b", "a", "zz"], ["zz"]]) {
      const cached = await sql`SELECT id, n FROM t WHERE n >= ${1} AND id IN ${sql(ids)} ORDER BY id`;
      const direct = await raw`SELECT id, n FROM t WHERE n >= ${1} AND id IN ${raw(ids)} ORDER BY id`;
      expect([...cached]).toEqual([...direct]);
    }
    expect([...(await sql`SELECT id FROM t WHERE id IN ${sql(["b", "c"])} ORDER BY id`)]).toEqual([
      { id: "b" },
      { id: "c" },
    ]);
  });

  test("a list in a statement that is no SELECT still runs, on Bun's client", async () => {
    const { sql } = await open();
    await sql`INSERT INTO t (id, n) VALUES (${"a"}, ${1}), (${"b"}, ${2}), (${"c"}, ${3})`;
    const deleted = await sql`DELETE FROM t WHERE id IN ${sql(["a", "b"])}`;
    expect(deleted.count).toBe(2);
    expect([...(await sql`SELECT id FROM t`)]).toEqual([{ id: "c" }]);
  });

  test("helpers, fragments and writes still go to Bun's client", async () => {
    const { sql } = await open();
    await sql`INSERT INTO t (id, n) VALUES (${"a"}, ${1}), (${"b"}, ${2})`;
    const where = sql`n > ${1}`;
    expect([...(await sql`SELECT id FROM t WHERE ${where}`)]).toEqual([{ id: "b" }]);
    const deleted = await sql`DELETE FROM t WHERE id = ${"a"}`;
    expect(deleted.count).toBe(1);
  });

  test("an unsafe SELECT built at run time answers as Bun's client does, from a bounded statement cache", async () => {
    const { raw, sql } = await open();
    await sql`INSERT INTO t (id, n) VALUES (${"a"}, ${1}), (${"b"}, ${2}), (${"c"}, ${3})`;
    const text = "SELECT id, n FROM t WHERE n >= $1 AND id <> $2 ORDER BY id";
    const cached = await sql.unsafe(text, [2, "c"]);
    expect([...cached]).toEqual([...(await raw.unsafe(text, [2, "c"]))]);
    expect([...cached]).toEqual([{ id: "b", n: 2 }]);
    // More distinct texts than the cache keeps: the oldest are dropped, every answer stays right.
    for (let i = 0; i < UNSAFE_CACHE_SIZE + 10; i++) {
      const rows = await sql.unsafe(`SELECT count(*) AS c FROM t WHERE n > $1 AND ${i} = ${i}`, [1]);
      expect([...rows]).toEqual([{ c: 2 }]);
    }
    expect([...(await sql.unsafe(text, [1, "a"]))]).toEqual([
      { id: "b", n: 2 },
      { id: "c", n: 3 },
    ]);
    // Writes through unsafe still go to Bun's client.
    expect((await sql.unsafe("DELETE FROM t WHERE id = $1", ["a"])).count).toBe(1);
  });

  test("a bad query rejects with SQLite's message", async () => {
    const { sql } = await open();
    await expect(sql`SELECT * FROM missing WHERE id = ${1}`).rejects.toThrow("no such table: missing");
  });
});
