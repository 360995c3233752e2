import { afterEach, describe, expect, test } from "bun:test";
import { openTestDatabase } from "../../test/support/database.ts";
import type { Database } from "./db.ts";
import { migrate } from "./migrate.ts";

let db: Database | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

/** A fresh SQLite database that no migration has touched yet. */
function openTemp(): Promise<Database> {
  return openTestDatabase([]);
}

const first = { id: "001_a", sql: "CREATE TABLE a (v TEXT NOT NULL);" };
const second = { id: "002_b", sql: "CREATE TABLE b (v TEXT NOT NULL);" };

async function recorded(database: Database): Promise<string[]> {
  const rows = (await database.sql`SELECT id FROM schema_migrations ORDER BY id`) as { id: string }[];
  return rows.map((row) => row.id);
}

describe("migrate", () => {
  test("a release that adds a migration applies only the new one", async () => {
    db = await openTemp();
    await migrate(db, [first]);
    expect(await migrate(db, [first, second])).toEqual({ applied: ["002_b"], alreadyApplied: ["001_a"] });
    expect(await recorded(db)).toEqual(["001_a", "002_b"]);
  });

  test("pending migrations land together: when one fails, none of them is applied or recorded", async () => {
    db = await openTemp();
    const broken = { id: "003_broken", sql: "INSERT INTO nowhere VALUES (1);" };
    await expect(migrate(db, [first, second, broken])).rejects.toThrow();
    expect(await recorded(db)).toEqual([]);
    const tables = (await db.sql`SELECT name FROM sqlite_master WHERE name IN ('a', 'b')`) as unknown[];
    expect(tables).toHaveLength(0);
    // Once the broken one is fixed, the next start applies all three.
    const fixed = { id: "003_broken", sql: "INSERT INTO a (v) VALUES ('fixed');" };
    expect((await migrate(db, [first, second, fixed])).applied).toEqual(["001_a", "002_b", "003_broken"]);
  });
});
