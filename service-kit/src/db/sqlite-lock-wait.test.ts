/**
 * A write waits for another connection's write lock between event-loop turns (sqlite-writes.ts), for at
 * most its lock wait, then fails with SQLITE_BUSY, which tools and the HTTP layer answer as "the database
 * is not reachable right now; retry". Run with a short wait (200 ms) instead of the 5 s of production.
 */
import { Database as SqliteFile } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from "../db.ts";
import { type CachedWrites, withCachedWrites } from "./sqlite-writes.ts";

let other: SqliteFile | undefined;
let writes: CachedWrites | undefined;
afterEach(() => {
  if (other?.inTransaction) other.run("ROLLBACK");
  other?.close();
  writes?.close();
  other = undefined;
  writes = undefined;
});

function openFile(): string {
  const file = join(tempDir("sqlite-lock-wait-"), "db.sqlite");
  const setup = new SqliteFile(file);
  setup.run("PRAGMA journal_mode = WAL");
  setup.run("CREATE TABLE t (id TEXT PRIMARY KEY)");
  setup.close();
  return file;
}

test("a write gives up with SQLITE_BUSY once another connection held the lock for its whole wait", async () => {
  const file = openFile();
  other = new SqliteFile(file);
  other.run("BEGIN IMMEDIATE");
  writes = withCachedWrites(file, { lockWaitMs: 200 });
  const sql = writes.sql;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const startedAt = performance.now();
  const error = await sql
    .begin((tx) => tx`INSERT INTO t (id) VALUES (${"a"})`)
    .catch((caught: unknown) => caught);
  const waited = performance.now() - startedAt;
  clearInterval(timer);
  expect((error as { code?: string }).code).toStartWith("SQLITE_BUSY");
  expect(isDatabaseUnavailable(error)).toBe(true);
  expect(DATABASE_UNAVAILABLE_MESSAGE).toContain("retry in a few seconds");
  expect(waited).toBeGreaterThanOrEqual(190);
  expect(waited).toBeLessThan(5000);
  // The wait let the event loop run: other requests are served meanwhile.
  expect(ticks).toBeGreaterThan(5);
  expect(other.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
});

test("a write that waited gets the lock once the other connection lets it go, and commits", async () => {
  const file = openFile();
  other = new SqliteFile(file);
  other.run("BEGIN IMMEDIATE");
  writes = withCachedWrites(file, { lockWaitMs: 2000 });
  const write = writes.sql.begin((tx) => tx`INSERT INTO t (id) VALUES (${"b"})`);
  setTimeout(() => other?.run("COMMIT"), 100);
  await write;
  expect(other.query("SELECT id FROM t").all()).toEqual([{ id: "b" }]);
});
