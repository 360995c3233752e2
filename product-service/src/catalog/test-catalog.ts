/** A migrated temporary SQLite catalogue for unit tests. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "service-kit/db";
import { migrate } from "service-kit/migrate";
import demo from "../../data/demo-catalog.json" with { type: "json" };
import migration from "../../migrations/001_catalog.sql" with { type: "text" };
import { Catalog } from "./catalog.ts";

export type TestDialect = "sqlite" | "postgres";

export async function openTestCatalog(
  seed: unknown = demo,
  dialect: TestDialect = "sqlite",
): Promise<{ db: Database; catalog: Catalog }> {
  const url =
    dialect === "postgres"
      ? await (await import("../../../test/support/postgres.ts")).createTestDatabase("catalog")
      : `sqlite://${join(mkdtempSync(join(tmpdir(), "catalog-")), "c.sqlite")}`;
  const db = await openDatabase(url);
  await migrate(db, [{ id: "001_catalog", sql: migration }]);
  const catalog = new Catalog(db.sql);
  if (seed) await catalog.import(seed);
  return { db, catalog };
}
