import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Database, DomainError } from "service-kit";
import { TEST_DIALECTS } from "../../../test/support/database.ts";
import { openTestCatalog } from "../../../test/support/test-catalog.ts";
import type { Catalog } from "./catalog.ts";
import { parseQuery } from "./search-terms.ts";

describe("parseQuery", () => {
  test("turns price phrases into bounds and drops stop words", () => {
    expect(parseQuery("Headphones under $200")).toEqual({ terms: ["headphone"], maxPriceCents: 20000 });
    expect(parseQuery("a gift for coffee lovers over 25.50")).toEqual({
      terms: ["gift", "coffee", "lover"],
      minPriceCents: 2550,
    });
  });
});

for (const dialect of TEST_DIALECTS) {
  describe(`searchProducts on ${dialect}`, () => {
    let db: Database;
    let catalog: Catalog;
    beforeAll(async () => {
      ({ db, catalog } = await openTestCatalog(undefined, dialect));
    }, 60_000);
    afterAll(() => db.close());

    test("matches name, description and category, case-insensitively, ranking name matches first", async () => {
      const page = await catalog.search({ query: "HEADPHONES", limit: 10 });
      expect(page.total).toBeGreaterThanOrEqual(3);
      expect(page.products[0]?.name.toLowerCase()).toContain("headphone");
      const byCategory = await catalog.search({ query: "kitchen", limit: 50 });
      expect(
        byCategory.products.some(
          (p) => p.category === "kitchen" && !p.name.toLowerCase().includes("kitchen"),
        ),
      ).toBe(true);
    });

    test("every term must match", async () => {
      const page = await catalog.search({ query: "wireless headphones", limit: 50 });
      expect(page.products.map((p) => p.id)).toContain("p002");
      for (const p of page.products) {
        const text = `${p.name} ${p.description} ${p.category}`.toLowerCase();
        expect(text).toContain("wireless");
        expect(text).toContain("headphone");
      }
    });

    test("treats LIKE wildcards and quotes in the query as plain text", async () => {
      const percent = await catalog.search({ query: "%", limit: 50 });
      expect(percent.total).toBeLessThan(5);
      for (const p of percent.products) expect(`${p.name} ${p.description}`).toContain("%");
      expect((await catalog.search({ query: "_", limit: 10 })).total).toBe(0);
      expect((await catalog.search({ query: "' OR 1=1 --", limit: 10 })).total).toBe(0);
    });

    test("cursor pagination visits every match once, in order", async () => {
      const all = await catalog.search({ limit: 50, sort: "name" });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await catalog.search({ limit: 7, sort: "name", ...(cursor ? { cursor } : {}) });
        seen.push(...page.products.map((p) => p.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toHaveLength(all.total);
      expect(new Set(seen).size).toBe(all.total);
      expect(seen.slice(0, 50)).toEqual(all.products.map((p) => p.id));
    });

    test("a cursor past the end (matches removed since) answers no products and the true total", async () => {
      const first = await catalog.search({ query: "speaker", limit: 1 });
      expect(first.total).toBe(2);
      const cursor = first.nextCursor;
      if (!cursor) throw new Error("expected a second page of speakers");
      const keep = first.products[0]?.id ?? "";
      const [other] = (await db.sql`SELECT id, name, description, category_id FROM products
        WHERE lower(name) LIKE ${"%speaker%"} AND id <> ${keep}`) as {
        id: string;
        name: string;
        description: string;
        category_id: string;
      }[];
      if (!other) throw new Error("expected a second speaker");
      await db.sql`UPDATE products SET name = ${"Gone"}, description = ${"gone"}, category_id = ${"books"}
        WHERE id = ${other.id}`;
      try {
        const past = await catalog.search({ query: "speaker", limit: 1, cursor });
        expect(past.products).toEqual([]);
        expect(past.total).toBe(1);
        expect(past.nextCursor).toBeNull();
      } finally {
        await db.sql`UPDATE products SET name = ${other.name}, description = ${other.description},
          category_id = ${other.category_id} WHERE id = ${other.id}`;
      }
    });

    test("a cursor is refused with other filters, and a forged one is refused", async () => {
      const page = await catalog.search({ limit: 2 });
      const cursor = page.nextCursor as string;
      await expect(catalog.search({ limit: 2, category: "books", cursor })).rejects.toBeInstanceOf(
        DomainError,
      );
      await expect(catalog.search({ limit: 2, cursor: "not-a-cursor" })).rejects.toThrow(/cursor/);
      const forged = Buffer.from(JSON.stringify({ o: -5, f: "x" })).toString("base64url");
      await expect(catalog.search({ limit: 2, cursor: forged })).rejects.toThrow(/cursor/);
    });

    test("a real cursor with a forged huge offset is a DomainError, not a database error", async () => {
      const page = await catalog.search({ limit: 2 });
      const { f } = JSON.parse(Buffer.from(page.nextCursor as string, "base64url").toString()) as {
        f: string;
      };
      for (const o of [1e20, 2 ** 53 + 2, 1e308, 10_000_001]) {
        const forged = Buffer.from(JSON.stringify({ o, f })).toString("base64url");
        await expect(catalog.search({ limit: 2, cursor: forged })).rejects.toBeInstanceOf(DomainError);
      }
    });

    test("filters by category, price and stock", async () => {
      const page = await catalog.search({
        category: "electronics",
        maxPriceCents: 20000,
        inStockOnly: true,
        limit: 50,
      });
      expect(page.total).toBeGreaterThan(0);
      for (const p of page.products) {
        expect(p.category).toBe("electronics");
        expect(p.priceCents).toBeLessThanOrEqual(20000);
        expect(p.stock).toBeGreaterThan(0);
      }
    });
  });
}
