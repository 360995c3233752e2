/**
 * The one way tests open a migrated database: a fresh SQLite file in a temporary folder, or a fresh
 * database on the shared test PostgreSQL (postgres.ts), with the given migrations applied.
 */
import { join } from "node:path";
import type { Database, Migration } from "service-kit";
import { migrate, type OpenOptions, openDatabase } from "service-kit/testing";
import { createTestDatabase } from "./postgres.ts";
import { tempDir } from "./service-process.ts";

export type TestDialect = "sqlite" | "postgres";

export const TEST_DIALECTS: readonly TestDialect[] = ["sqlite", "postgres"];

/** A new empty database of `dialect` with `migrations` applied; the caller closes it. */
export async function openTestDatabase(
  migrations: readonly Migration[],
  dialect: TestDialect = "sqlite",
  options: OpenOptions = {},
): Promise<Database> {
  const url =
    dialect === "sqlite"
      ? `sqlite://${join(tempDir("retail-test-db-"), "test.sqlite")}`
      : await createTestDatabase("test");
  const db = await openDatabase(url, options);
  await migrate(db, migrations);
  return db;
}
