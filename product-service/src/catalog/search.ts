/**
 * Product search: every term must match the name, description or category (case-insensitive);
 * results are ranked by where the terms matched, and paged with opaque cursors.
 */
import type { SQL } from "bun";
import { DomainError } from "service-kit";
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint } from "./cursor.ts";
import { type ProductRow, toProduct } from "./product-repository.ts";
import { likeEscape, parseQuery } from "./search-terms.ts";
import type { SearchPage, SearchQuery } from "./types.ts";

type Fragment = SQL.Query<unknown>;

export async function searchProducts(sql: SQL, query: SearchQuery): Promise<SearchPage> {
  const parsed = query.query ? parseQuery(query.query) : { terms: [] as string[] };
  const minPrice = query.minPriceCents ?? parsed.minPriceCents;
  const maxPrice = query.maxPriceCents ?? parsed.maxPriceCents;
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
    throw new DomainError("invalid", "min_price is greater than max_price; swap them or drop one.");
  }
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

  let where: Fragment = sql`1 = 1`;
  let score: Fragment = sql`0`;
  for (const term of parsed.terms) {
    const anywhere = `%${likeEscape(term)}%`;
    const prefix = `${likeEscape(term)}%`;
    where = sql`${where} AND (lower(p.name) LIKE ${anywhere} ESCAPE '\\' OR lower(p.description) LIKE ${anywhere} ESCAPE '\\' OR lower(p.category_id) LIKE ${anywhere} ESCAPE '\\' OR lower(c.name) LIKE ${anywhere} ESCAPE '\\')`;
    score = sql`${score}
      + (CASE WHEN lower(p.name) LIKE ${prefix} ESCAPE '\\' THEN 8 WHEN lower(p.name) LIKE ${anywhere} ESCAPE '\\' THEN 5 ELSE 0 END)
      + (CASE WHEN lower(p.category_id) LIKE ${anywhere} ESCAPE '\\' OR lower(c.name) LIKE ${anywhere} ESCAPE '\\' THEN 3 ELSE 0 END)
      + (CASE WHEN lower(p.description) LIKE ${anywhere} ESCAPE '\\' THEN 1 ELSE 0 END)`;
  }
  if (query.category) where = sql`${where} AND p.category_id = ${query.category}`;
  if (minPrice !== undefined) where = sql`${where} AND p.price_cents >= ${minPrice}`;
  if (maxPrice !== undefined) where = sql`${where} AND p.price_cents <= ${maxPrice}`;
  if (query.inStockOnly) where = sql`${where} AND p.stock > 0`;

  const order = orderBy(sql, sort);
  const rows = (await sql`
    SELECT p.*, ${score} AS score
    FROM products p JOIN categories c ON c.id = p.category_id
    WHERE ${where}
    ORDER BY ${order}
    LIMIT ${query.limit} OFFSET ${offset}`) as (ProductRow & { score: number })[];
  const totals = (await sql`
    SELECT count(*) AS n FROM products p JOIN categories c ON c.id = p.category_id WHERE ${where}`) as {
    n: number | string;
  }[];
  const total = Number(totals[0]?.n ?? 0);
  const nextOffset = offset + rows.length;
  return {
    products: rows.map(toProduct),
    nextCursor: rows.length > 0 && nextOffset < total ? encodeSearchCursor(nextOffset, fingerprint) : null,
    total,
  };
}

function orderBy(sql: SQL, sort: SearchQuery["sort"]): Fragment {
  switch (sort) {
    case "price_asc":
      return sql`p.price_cents ASC, p.id ASC`;
    case "price_desc":
      return sql`p.price_cents DESC, p.id ASC`;
    case "relevance":
      return sql`score DESC, p.stock > 0 DESC, p.name ASC, p.id ASC`;
    default:
      return sql`p.name ASC, p.id ASC`;
  }
}
