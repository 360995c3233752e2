/**
 * search_products matches against products.search_text (migration 003) instead of lower() of each
 * field. This runs the statement it replaced, kept here verbatim, beside the real search over many
 * queries and every sort, following every cursor, and requires the same ids, order, totals and
 * cursors on SQLite and PostgreSQL: the speed-up may not change a single answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SQL } from "bun";
import type { Database } from "service-kit";
import { TEST_DIALECTS } from "../../../test/support/database.ts";
import { openTestCatalog } from "../../../test/support/test-catalog.ts";
import type { Catalog } from "./catalog.ts";
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint } from "./cursor.ts";
import { likeEscape, parseQuery } from "./search-terms.ts";
import type { SearchQuery, SortOrder } from "./types.ts";

interface Answer {
  ids: string[];
  total: number;
  nextCursor: string | null;
}

/** The search statement before search_text: four lower() + LIKE per term, unchanged. */
async function referenceSearch(sql: SQL, query: SearchQuery): Promise<Answer> {
  const parsed = query.query ? parseQuery(query.query) : { terms: [] as string[] };
  const minPrice = query.minPriceCents ?? parsed.minPriceCents;
  const maxPrice = query.maxPriceCents ?? parsed.maxPriceCents;
  const sort = query.sort ?? (parsed.terms.length > 0 ? "relevance" : "name");
  const fingerprint = queryFingerprint([
    parsed.terms,
    query.category,
    minPrice,
    maxPrice,
    query.inStockOnly,
    sort,
  ]);
  const offset = query.cursor ? decodeSearchCursor(query.cursor, fingerprint) : 0;
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  let score = "0";
  for (const term of parsed.terms) {
    const anywhere = `%${likeEscape(term)}%`;
    const prefix = `${likeEscape(term)}%`;
    score += `
      + (CASE WHEN lower(p.name) LIKE ${param(prefix)} ESCAPE '\\' THEN 8 WHEN lower(p.name) LIKE ${param(anywhere)} ESCAPE '\\' THEN 5 ELSE 0 END)
      + (CASE WHEN lower(p.category_id) LIKE ${param(anywhere)} ESCAPE '\\' OR lower(c.name) LIKE ${param(anywhere)} ESCAPE '\\' THEN 3 ELSE 0 END)
      + (CASE WHEN lower(p.description) LIKE ${param(anywhere)} ESCAPE '\\' THEN 1 ELSE 0 END)`;
  }
  let where = "1 = 1";
  for (const term of parsed.terms) {
    const anywhere = `%${likeEscape(term)}%`;
    where += ` AND (lower(p.name) LIKE ${param(anywhere)} ESCAPE '\\' OR lower(p.description) LIKE ${param(anywhere)} ESCAPE '\\' OR lower(p.category_id) LIKE ${param(anywhere)} ESCAPE '\\' OR lower(c.name) LIKE ${param(anywhere)} ESCAPE '\\')`;
  }
  if (query.category) where += ` AND p.category_id = ${param(query.category)}`;
  if (minPrice !== undefined) where += ` AND p.price_cents >= ${param(minPrice)}`;
  if (maxPrice !== undefined) where += ` AND p.price_cents <= ${param(maxPrice)}`;
  if (query.inStockOnly) where += " AND p.stock > 0";
  const order = {
    price_asc: "p.price_cents ASC, p.id ASC",
    price_desc: "p.price_cents DESC, p.id ASC",
    relevance: "score DESC, p.stock > 0 DESC, p.name ASC, p.id ASC",
    name: "p.name ASC, p.id ASC",
  }[sort];
  const rows = (await sql.unsafe(
    `SELECT p.id, ${score} AS score, count(*) OVER () AS total_count
      FROM products p JOIN categories c ON c.id = p.category_id
      WHERE ${where} ORDER BY ${order} LIMIT ${param(query.limit)} OFFSET ${param(offset)}`,
    params,
  )) as { id: string; total_count: number | string }[];
  // Only cursors the search hands out are followed, so no page here lies past the end (its
  // recount is search.test.ts's "a cursor past the end" case).
  if (!rows[0] && offset > 0) throw new Error(`the reference is not meant for a page past the end`);
  const total = rows[0] ? Number(rows[0].total_count) : 0;
  const nextOffset = offset + rows.length;
  return {
    ids: rows.map((row) => row.id),
    total,
    nextCursor: rows.length > 0 && nextOffset < total ? encodeSearchCursor(nextOffset, fingerprint) : null,
  };
}

/** Products whose text tests what lower() and LIKE do with non-ASCII letters, wildcards and the separator. */
const EXTRA_CATALOGUE = {
  categories: [
    { id: "cafe-ware", name: "CAFÉ Ürün", description: "Non-ASCII category" },
    { id: "tools_50", name: "Tools 50% Off", description: "Wildcards in a category name" },
  ],
  products: [
    ["x01", "Crème BRÛLÉE Torch", "Caramelises sugar: CAFÉ classics", "cafe-ware"],
    ["x02", "STRASSE Straße Map", "Street map of Köln; ÄÖÜ äöü", "cafe-ware"],
    ["x03", "İstanbul Tea Glass", "Tulip glass, 100 ml; KELVIN sign K", "cafe-ware"],
    ["x04", "100% Cotton_Tee", "Soft tee, 50% off, back\\slash", "tools_50"],
    ["x05", "Wireless Headphone Stand", "Aluminium stand for HEADPHONES", "tools_50"],
    ["x06", "Alpha\u001fBeta Kit", "Name holds the separator\u001fcharacter", "tools_50"],
    ["x07", "Ünder Cabinet Light", "Wireless, warm white", "cafe-ware"],
  ].map(([id, name, description, category], index) => ({
    id,
    name,
    description,
    category,
    price: 5 + index * 17.25,
    currency: "USD",
    stock: index % 3,
  })),
};

const QUERIES: (string | undefined)[] = [
  undefined,
  "wireless headphones",
  "HEADPHONES",
  "headphone",
  "head",
  "wire",
  "phone",
  "kitchen",
  "electronics",
  "Electronics",
  "coffee under $50",
  "gift for coffee lovers over 25.50",
  "headphones under $200",
  "sport",
  "yoga mat under 40",
  "running shoes",
  "speaker",
  "e",
  "%",
  "_",
  "50%",
  "cotton_tee",
  "\\",
  "' OR 1=1 --",
  "café",
  "CAFÉ",
  "crème",
  "CRÈME brûlée",
  "straße",
  "STRASSE",
  "istanbul",
  "İstanbul",
  "köln",
  "KÖLN",
  "ürün",
  "ünder",
  "k",
  "a b",
  "alpha\u001fbeta",
  "e\u001fn",
  "separator\u001fcharacter",
  "a\u001fb",
  "d\u001fa",
  "s\u001ft",
  "tools",
  "% off",
  "zzz-nothing-matches",
  "the",
];
const SORTS: (SortOrder | undefined)[] = [undefined, "relevance", "name", "price_asc", "price_desc"];
const FILTERS: Omit<SearchQuery, "limit">[] = [{}, { category: "electronics", inStockOnly: true }];

for (const dialect of TEST_DIALECTS) {
  describe(`search over search_text answers what the old statement did, on ${dialect}`, () => {
    let db: Database;
    let catalog: Catalog;
    beforeAll(async () => {
      ({ db, catalog } = await openTestCatalog(undefined, dialect));
      await catalog.import(EXTRA_CATALOGUE);
    }, 60_000);
    afterAll(() => db.close());

    test("same ids, order, totals and cursors for every query, sort and page", async () => {
      let compared = 0;
      let nonEmpty = 0;
      for (const text of QUERIES) {
        for (const sort of SORTS) {
          for (const filters of FILTERS) {
            const base: SearchQuery = {
              limit: 4,
              ...filters,
              ...(text === undefined ? {} : { query: text }),
              ...(sort ? { sort } : {}),
            };
            const whole = await catalog.search({ ...base, limit: 100 });
            expect({ query: base, ...answerOf(whole) }).toEqual({
              query: base,
              ...(await referenceSearch(db.sql, { ...base, limit: 100 })),
            });
            if (whole.total > 0) nonEmpty++;
            // Every page of four, by the cursors the search hands out.
            let cursor: string | undefined;
            for (let page = 0; page < 30; page++) {
              const paged = { ...base, ...(cursor ? { cursor } : {}) };
              const got = await catalog.search(paged);
              expect({ query: paged, ...answerOf(got) }).toEqual({
                query: paged,
                ...(await referenceSearch(db.sql, paged)),
              });
              compared++;
              if (!got.nextCursor) break;
              cursor = got.nextCursor;
            }
          }
        }
      }
      // The comparison is only worth something if many queries found something.
      expect(nonEmpty).toBeGreaterThan(150);
      expect(compared).toBeGreaterThan(800);
    }, 120_000);

    test("non-ASCII: matching stays exactly the database's own lower() and LIKE", async () => {
      // SQLite lowers ASCII only, so "CAFÉ" in a name is found by "cafÉ"-style terms only as far as
      // its ASCII letters go; PostgreSQL lowers every letter. Whatever each did, it still does.
      for (const text of ["café", "CAFÉ", "ürün", "straße", "İstanbul", "köln", "brûlée"]) {
        const got = await catalog.search({ query: text, limit: 50 });
        expect(answerOf(got)).toEqual(await referenceSearch(db.sql, { query: text, limit: 50 }));
      }
      // "café" is in x01's description and in the category of x01, x02, x03 and x07 as "CAFÉ": found
      // only where the database's lower() folds É (PostgreSQL with a UTF-8 locale; never SQLite).
      const [folded] = (await db.sql`SELECT lower(${"CAFÉ"}) AS word`) as { word: string }[];
      const ids = (await catalog.search({ query: "café", limit: 50 })).products.map((p) => p.id);
      expect(ids.sort()).toEqual(folded?.word === "café" ? ["x01", "x02", "x03", "x07"] : []);
      if (dialect === "sqlite") expect(folded?.word).toBe("cafÉ");
    });

    test("a term holding the field separator cannot match across two fields", async () => {
      // Text of one-letter words only is searched literally (parseQuery), separator and all. x05's
      // search_text is "wireless headphone stand\u001faluminium stand…": "d\u001fa" spans two fields.
      const across = await catalog.search({ query: "d\u001fa", limit: 10 });
      expect(across.total).toBe(0);
      const within = await catalog.search({ query: "a\u001fb", limit: 10 });
      expect(within.products.map((p) => p.id)).toEqual(["x06"]);
    });
  });
}

function answerOf(page: { products: { id: string }[]; total: number; nextCursor: string | null }): Answer {
  return { ids: page.products.map((p) => p.id), total: page.total, nextCursor: page.nextCursor };
}
