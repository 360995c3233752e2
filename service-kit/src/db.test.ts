import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase } from "../../test/support/database.ts";
import { type Database, databaseUrlFromSecret, dialectOf, openDatabase, redactDatabaseUrl } from "./db.ts";
import { migrate } from "./migrate.ts";

let db: Database | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

function tempUrl(): string {
  return `sqlite://${join(mkdtempSync(join(tmpdir(), "kit-db-")), "nested", "test.sqlite")}`;
}

describe("database", () => {
  test("opens a SQLite file (creating its folder) in WAL mode and answers ping", async () => {
    db = await openDatabase(tempUrl());
    expect(db.dialect).toBe("sqlite");
    await db.ping();
    const [mode] = (await db.sql`PRAGMA journal_mode`) as { journal_mode: string }[];
    expect(mode?.journal_mode).toBe("wal");
  });

  test("migrations apply once, in id order, and record themselves", async () => {
    const url = tempUrl();
    db = await openDatabase(url);
    const migrations = [
      { id: "002_b", sql: "INSERT INTO a (v) VALUES ('from 002')" },
      { id: "001_a", sql: "CREATE TABLE a (v TEXT NOT NULL);\nINSERT INTO a (v) VALUES ('from 001');" },
    ];
    expect(await migrate(db, migrations)).toEqual({ applied: ["001_a", "002_b"], alreadyApplied: [] });
    expect(await migrate(db, migrations)).toEqual({ applied: [], alreadyApplied: ["001_a", "002_b"] });
    const rows = (await db.sql`SELECT v FROM a ORDER BY rowid`) as { v: string }[];
    expect(rows.map((r) => r.v)).toEqual(["from 001", "from 002"]);
  });

  test("a failing migration leaves nothing behind", async () => {
    db = await openDatabase(tempUrl());
    const broken = [
      { id: "001_broken", sql: "CREATE TABLE t (x INTEGER);\nINSERT INTO nowhere VALUES (1);" },
    ];
    await expect(migrate(db, broken)).rejects.toThrow();
    const tables = (await db.sql`SELECT name FROM sqlite_master WHERE name = 't'`) as unknown[];
    expect(tables).toHaveLength(0);
    const recorded = (await db.sql`SELECT id FROM schema_migrations`) as unknown[];
    expect(recorded).toHaveLength(0);
  });

  test("per-dialect migration text picks the SQLite variant", async () => {
    db = await openDatabase(tempUrl());
    await migrate(db, [
      { id: "001", sql: { sqlite: "CREATE TABLE s (x INTEGER)", postgres: "CREATE TABLE p (x INTEGER)" } },
    ]);
    const tables =
      (await db.sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('s', 'p')`) as {
        name: string;
      }[];
    expect(tables.map((t) => t.name)).toEqual(["s"]);
  });
});

describe("urls", () => {
  test("turns the Copilot secret JSON into a postgres URL, escaping the password", () => {
    const url = databaseUrlFromSecret(
      JSON.stringify({
        host: "db.internal",
        port: 5432,
        dbname: "retail",
        username: "app",
        password: "p@ss/word",
      }),
    );
    expect(url).toBe("postgres://app:p%40ss%2Fword@db.internal:5432/retail?sslmode=require");
    expect(dialectOf(url)).toBe("postgres");
  });

  test("rejects a secret without a password or that is not JSON", () => {
    expect(() => databaseUrlFromSecret("{")).toThrow(/not valid JSON/);
    expect(() => databaseUrlFromSecret(JSON.stringify({ host: "h", username: "u" }))).toThrow(/password/);
  });

  test("redacts passwords for logs", () => {
    expect(redactDatabaseUrl("postgres://app:secret@h:5432/db")).toBe("postgres://app:***@h:5432/db");
    expect(redactDatabaseUrl("sqlite://.data/x.sqlite")).toBe("sqlite://.data/x.sqlite");
  });
});

describe("PostgreSQL through the same code path", () => {
  test("migrations apply once, a failing one leaves nothing, and the schema is the service's own", async () => {
    db = await openTestDatabase([], "postgres", { schema: "orders" });
    expect(db.dialect).toBe("postgres");
    await db.ping();
    const migrations = [
      { id: "001_a", sql: "CREATE TABLE a (v TEXT NOT NULL);\nINSERT INTO a (v) VALUES ('x');" },
    ];
    expect((await migrate(db, migrations)).applied).toEqual(["001_a"]);
    expect((await migrate(db, migrations)).alreadyApplied).toEqual(["001_a"]);
    const [where] =
      (await db.sql`SELECT table_schema FROM information_schema.tables WHERE table_name = 'a'`) as {
        table_schema: string;
      }[];
    expect(where?.table_schema).toBe("orders");
    await expect(
      migrate(db, [{ id: "002_broken", sql: "CREATE TABLE b (x INT);\nINSERT INTO nowhere VALUES (1);" }]),
    ).rejects.toThrow();
    const tables =
      (await db.sql`SELECT table_name FROM information_schema.tables WHERE table_name = 'b'`) as unknown[];
    expect(tables).toHaveLength(0);
  }, 60_000);

  test("concurrent writes all land; a failing one undoes only its own work", async () => {
    db = await openTestDatabase([], "postgres", { schema: "writes" });
    const database = db;
    await database.sql`CREATE TABLE w (v TEXT PRIMARY KEY)`;
    const values = Array.from({ length: 40 }, (_, index) => `v${String(index).padStart(2, "0")}`);
    const failing = database.write(async (sql) => {
      await sql`INSERT INTO w (v) VALUES ('failed')`;
      throw new Error("changed its mind");
    });
    const writes = values.map((value) => database.write((sql) => sql`INSERT INTO w (v) VALUES (${value})`));
    await expect(failing).rejects.toThrow("changed its mind");
    await Promise.all(writes);
    const rows = (await database.sql`SELECT v FROM w ORDER BY v`) as { v: string }[];
    expect(rows.map((row) => row.v)).toEqual(values);
  }, 60_000);
});

test("SQLite: a write made while another transaction rolls back survives when it goes through write()", async () => {
  db = await openDatabase(tempUrl());
  const sql = db.sql;
  await sql`CREATE TABLE x (v TEXT)`;
  const failing = sql
    .begin(async (tx) => {
      await tx`INSERT INTO x VALUES ('rolled back')`;
      await Bun.sleep(30);
      throw new Error("rollback");
    })
    .catch(() => undefined);
  await Bun.sleep(5);
  await db.write((w) => w`INSERT INTO x VALUES ('kept')`);
  await failing;
  const rows = (await sql`SELECT v FROM x`) as { v: string }[];
  expect(rows.map((r) => r.v)).toEqual(["kept"]);
});
