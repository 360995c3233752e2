/**
 * Migration 003 adds products.search_text to databases that already hold a catalogue: it must fill
 * it for the rows there, and every later write (an import's upsert, a plain UPDATE, a renamed
 * category, a new product) must keep it current, or search would silently miss products.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "service-kit";
import { migrate } from "service-kit/testing";
import { openTestDatabase, TEST_DIALECTS } from "../../../test/support/database.ts";
import { openTestCatalog } from "../../../test/support/test-catalog.ts";
import { demoCatalog, productService } from "../service.ts";
import { Catalog } from "./catalog.ts";

const BEFORE_SEARCH_TEXT = productService.migrations.filter((m) => m.id < "003_search_text");

async function searchTexts(db: Database): Promise<Record<string, string>> {
  const rows = (await db.sql`SELECT id, search_text FROM products ORDER BY id`) as {
    id: string;
    search_text: string;
  }[];
  return Object.fromEntries(rows.map((row) => [row.id, row.search_text]));
}

async function ids(catalog: Catalog, query: string): Promise<string[]> {
  return (await catalog.search({ query, limit: 100 })).products.map((p) => p.id);
}

for (const dialect of TEST_DIALECTS) {
  describe(`migration 003_search_text on ${dialect}`, () => {
    let old: Database;
    let migrated: Catalog;
    let fresh: { db: Database; catalog: Catalog };
    beforeAll(async () => {
      // A database as the previous release left it: migrated up to 002, catalogue imported.
      old = await openTestDatabase(BEFORE_SEARCH_TEXT, dialect);
      await new Catalog(old.sql).import(demoCatalog);
      const report = await migrate(old, productService.migrations);
      expect(report.applied).toEqual(["003_search_text"]);
      migrated = new Catalog(old.sql);
      fresh = await openTestCatalog(demoCatalog, dialect);
    }, 60_000);
    afterAll(async () => {
      await old.close();
      await fresh.db.close();
    });

    test("fills search_text for the rows already there, as a fresh database has it", async () => {
      const texts = await searchTexts(old);
      expect(Object.keys(texts)).toHaveLength(demoCatalog.products.length);
      expect(texts.p002).toBe(
        (
          await old.sql`SELECT lower(p.name) || ${"\u001f"} || lower(p.description) || ${"\u001f"}
          || lower(p.category_id) || ${"\u001f"} || lower(c.name) AS text
          FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = 'p002'`
        )[0].text,
      );
      expect(texts).toEqual(await searchTexts(fresh.db));
      for (const query of ["wireless headphones", "kitchen", "electronics", "coffee under $50", "e"]) {
        expect(await ids(migrated, query)).toEqual(await ids(fresh.catalog, query));
      }
    });

    test("later writes keep it current: import upserts, plain UPDATEs, renamed categories, new rows", async () => {
      const [product] = demoCatalog.products.filter((p) => p.id === "p002");
      const [category] = demoCatalog.categories.filter((c) => c.id === product?.category);
      if (!product || !category) throw new Error("the demo catalogue has no p002");
      expect(await ids(migrated, "zanzibar")).toEqual([]);

      // An import renames p002 and its category, and adds a product.
      await migrated.import({
        categories: [{ ...category, name: "Zanzibar Gadgets" }],
        products: [
          { ...product, name: "Quokka Earbuds" },
          { ...product, id: "p900", name: "Wombat Speaker", description: "Brand new row" },
        ],
      });
      expect(await ids(migrated, "quokka")).toEqual(["p002"]);
      expect(await ids(migrated, "wombat")).toEqual(["p900"]);
      const inCategory = demoCatalog.products.filter((p) => p.category === category.id).length + 1;
      expect(await ids(migrated, "zanzibar")).toHaveLength(inCategory);

      // A plain UPDATE (as an operator might run) is seen too.
      await old.sql`UPDATE products SET description = ${"Now with a platypus"} WHERE id = 'p900'`;
      expect(await ids(migrated, "platypus")).toEqual(["p900"]);
      expect(await ids(migrated, "brand new row")).toEqual([]);
    });
  });
}

describe("migration 003_search_text on postgres, in a service schema", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase(productService.migrations, "postgres", { schema: "catalogue" });
    await new Catalog(db.sql).import(demoCatalog);
  }, 60_000);
  afterAll(() => db.close());

  test("a write from a session with another search_path (an operator's psql) still keeps search_text", async () => {
    await db.sql.begin(async (tx) => {
      await tx`SET LOCAL search_path TO public`;
      await tx`UPDATE catalogue.products SET name = 'Platypus Earbuds' WHERE id = 'p002'`;
      await tx`UPDATE catalogue.categories SET name = 'Echidna Gear' WHERE id = 'electronics'`;
    });
    const catalog = new Catalog(db.sql);
    expect(await ids(catalog, "platypus")).toEqual(["p002"]);
    expect((await ids(catalog, "echidna")).length).toBeGreaterThan(1);
  });
});
