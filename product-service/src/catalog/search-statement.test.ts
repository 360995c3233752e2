/**
 * SQLite prepares a statement again each time a parameter is bound that its planner looked into: a
 * LIKE pattern in the WHERE clause, LIMIT and OFFSET. For search that was every call, and preparing
 * its statement cost several times more than running it. The statement must keep such parameters
 * behind a CAST, so that the reader's cached statement is really reused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SQL } from "bun";
import type { Database } from "service-kit";
import { openTestCatalog } from "../../../test/support/test-catalog.ts";
import { searchProducts } from "./search.ts";
import type { SearchQuery } from "./types.ts";

/** Runs `query` on the real database and answers the statement texts it sent. */
async function statementsOf(db: Database, query: SearchQuery): Promise<string[]> {
  const texts: string[] = [];
  const recording = {
    unsafe: (text: string, values: unknown[]) => {
      texts.push(text);
      return db.sql.unsafe(text, values);
    },
  } as unknown as SQL;
  await searchProducts(recording, query);
  return texts;
}

describe("search statement", () => {
  let db: Database;
  beforeAll(async () => {
    ({ db } = await openTestCatalog());
  });
  afterAll(() => db.close());

  test("no parameter the SQLite planner reads is bound bare (it would prepare the statement anew on every call)", async () => {
    const queries: SearchQuery[] = [
      { query: "wireless headphones", limit: 10 },
      { query: "a\u001fb", limit: 10 },
      { query: "kitchen", category: "kitchen", maxPriceCents: 5000, inStockOnly: true, limit: 3 },
      { limit: 5, sort: "price_asc" },
    ];
    // A cursor past the end runs the count statement too.
    const page = await searchProducts(db.sql, { query: "speaker", limit: 1 });
    queries.push({ query: "speaker", limit: 1, cursor: page.nextCursor as string });
    await db.sql`UPDATE products SET name = 'x', description = 'x' WHERE lower(name) LIKE '%speaker%'`;
    const texts = (await Promise.all(queries.map((query) => statementsOf(db, query)))).flat();
    expect(texts.length).toBeGreaterThan(queries.length);
    expect(texts.filter((text) => text.includes("LIKE"))).toHaveLength(texts.length - 1);
    for (const text of texts) {
      const planned = text.slice(text.indexOf("WHERE"));
      expect({ text, bare: planned.match(/\b(?:LIKE|LIMIT|OFFSET)\s+\$\d+/g) }).toEqual({ text, bare: null });
    }
  });
});
