import { describe, expect, test } from "bun:test";
import { openTestCatalog } from "../../../test/support/test-catalog.ts";
import { validateCatalogFile } from "./catalog-file.ts";

const good = {
  categories: [{ id: "tea", name: "Tea", description: "Leaves" }],
  products: [
    {
      id: "t1",
      name: "Green Tea",
      description: "Sencha",
      category: "tea",
      price: 12.5,
      currency: "USD",
      stock: 3,
    },
  ],
};

describe("validateCatalogFile", () => {
  test("accepts the demo file format and fills defaults", () => {
    const result = validateCatalogFile(good);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.catalog.products[0]).toMatchObject({ image_url: null, attributes: {} });
  });

  test("reports every bad row with its index and field", () => {
    const result = validateCatalogFile({
      categories: [{ id: "Tea!", name: "" }],
      products: [
        { id: "ok1", name: "A", category: "tea", price: 1.999, currency: "usd", stock: -1 },
        { id: "ok1", name: "B", category: "coffee", price: 2, currency: "USD", stock: 1 },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join("\n");
    expect(text).toContain("categories[0].id");
    expect(text).toContain("categories[0].name");
    expect(text).toContain("products[0].price: must have at most two decimals");
    expect(text).toContain("products[0].currency");
    expect(text).toContain("products[0].stock");
    expect(text).toContain('products[1].id: "ok1" repeats products[0]');
    expect(text).toContain('products[1].category: "coffee" is not a known category');
  });

  test("rejects files that are not catalogues", () => {
    expect(validateCatalogFile([]).ok).toBe(false);
    expect(validateCatalogFile({ products: "x" }).ok).toBe(false);
  });
});

describe("importCatalog", () => {
  test("imports all rows, updates existing ids, and stores prices in cents", async () => {
    const { db, catalog } = await openTestCatalog(null);
    expect(await catalog.import(good)).toEqual({ categories: 1, products: 1 });
    await catalog.import({ products: [{ ...good.products[0], price: 13.99 }] });
    expect((await catalog.getProduct("t1")).priceCents).toBe(1399);
    await db.close();
  });

  test("all or nothing: one bad row imports nothing", async () => {
    const { db, catalog } = await openTestCatalog(null);
    const bad = {
      ...good,
      products: [
        ...good.products,
        { id: "t2", name: "", category: "tea", price: 1, currency: "USD", stock: 1 },
      ],
    };
    await expect(catalog.import(bad)).rejects.toThrow(/products\[1\]\.name/);
    expect((await catalog.categories()).length).toBe(0);
    await db.close();
  });

  test("seedIfEmpty seeds once", async () => {
    const { db, catalog } = await openTestCatalog(null);
    expect(await catalog.seedIfEmpty(good)).toEqual({ categories: 1, products: 1 });
    expect(await catalog.seedIfEmpty(good)).toBeUndefined();
    await db.close();
  });
});
