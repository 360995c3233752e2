/** A migrated temporary catalogue (SQLite or PostgreSQL) for product-service's unit tests. */

import type { Database } from "service-kit";
import { Catalog } from "../../product-service/src/catalog/catalog.ts";
import { demoCatalog, productService } from "../../product-service/src/service.ts";
import { openTestDatabase, type TestDialect } from "./database.ts";

/** `seed` is imported first unless it is null (an empty catalogue). */
export async function openTestCatalog(
  seed: unknown = demoCatalog,
  dialect: TestDialect = "sqlite",
): Promise<{ db: Database; catalog: Catalog }> {
  const db = await openTestDatabase(productService.migrations, dialect);
  const catalog = new Catalog(db.sql);
  if (seed) await catalog.import(seed);
  return { db, catalog };
}
