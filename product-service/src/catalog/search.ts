/**
 * Product search: every term must match the name, description or category (case-insensitive);
 * results are ranked by where the terms matched, and paged with opaque cursors.
 */
import type { SQL } from "bun";
import { DomainError } from "service-kit";
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint } from "./cursor.ts";
import { PRODUCT_COLUMNS, type ProductRow, toProduct } from "./product-repository.ts";
import { likeEscape, parseQuery } from "./search-terms.ts";
import type { SearchPage, SearchQuery } from "./types.ts";

export async function searchProducts(sql: SQL, query: SearchQuery): Promise<SearchPage> {
  const parsed = query.query ? parseQuery(query.query) : { terms: [] as string[] };
  const minPrice = query.minPriceCents ?? parsed.minPriceCents;
  const maxPrice = query.maxPriceCents ?? parsed.maxPriceCents;
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
    throw new DomainError("invalid", "min_price is greater than max_price; swap them or drop one.");
  }
  const sort = query.sort ?? (parsed.terms.length > 0 ? "relevance" : "name");
  // A hash, needed only to read or hand out a cursor; most searches fit in one page and do neither.
  let fingerprint: string | undefined;
  const fingerprintOf = (): string => {
    fingerprint ??= queryFingerprint([
      parsed.terms,
      query.category,
      minPrice,
      maxPrice,
      query.inStockOnly,
      sort,
    ]);
    return fingerprint;
  };
  const offset = query.cursor ? decodeSearchCursor(query.cursor, fingerprintOf()) : 0;

  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  // Parameters are numbered in the order they first appear in the text (SQLite binds them by
  // position); a term's two patterns are each bound once and named again wherever they are needed.
  const patterns = parsed.terms.map((term) => termPatterns(term, param));
  let score = "0";
  for (const { prefix, anywhere } of patterns) {
    score += `
      + (CASE WHEN lower(p.name) LIKE ${prefix} ESCAPE '\\' THEN 8 WHEN lower(p.name) LIKE ${anywhere} ESCAPE '\\' THEN 5 ELSE 0 END)
      + (CASE WHEN lower(p.category_id) LIKE ${anywhere} ESCAPE '\\' OR lower(c.name) LIKE ${anywhere} ESCAPE '\\' THEN 3 ELSE 0 END)
      + (CASE WHEN lower(p.description) LIKE ${anywhere} ESCAPE '\\' THEN 1 ELSE 0 END)`;
  }
  // Named columns rather than p.*: search_text is for matching, not for the answer.
  const select = `SELECT ${PRODUCT_COLUMNS.map((column) => `p.${column}`).join(", ")}, ${score} AS score,
    count(*) OVER () AS total_count`;
  const where = whereClause(patterns, query, minPrice, maxPrice, param);
  const text = `${select}
    FROM products p JOIN categories c ON c.id = p.category_id
    WHERE ${where}
    ORDER BY ${orderBy(sort)}
    LIMIT ${opaque(param(query.limit), "INTEGER")} OFFSET ${opaque(param(offset), "INTEGER")}`;
  // One statement text per shape (number of terms, filters, sort), so its prepared statement is reused.
  const rows = (await sql.unsafe(text, params)) as (ProductRow & {
    score: number;
    total_count: number | string;
  })[];
  const total = rows[0]
    ? Number(rows[0].total_count)
    : await countPastTheEnd(sql, offset, parsed.terms, query, minPrice, maxPrice);
  const nextOffset = offset + rows.length;
  return {
    products: rows.map(toProduct),
    nextCursor:
      rows.length > 0 && nextOffset < total ? encodeSearchCursor(nextOffset, fingerprintOf()) : null,
    total,
  };
}

/**
 * products.search_text (migration 003) holds lower(name), lower(description), lower(category_id)
 * and the category's lower(name), joined by this character.
 */
const FIELD_SEPARATOR = "\u001f";

interface TermPatterns {
  term: string;
  /** Placeholder of the LIKE pattern for the term at the start of a text. */
  prefix: string;
  /** Placeholder of the LIKE pattern for the term anywhere in a text. */
  anywhere: string;
}

function termPatterns(term: string, param: (value: unknown) => string): TermPatterns {
  const escaped = likeEscape(term);
  return { term, prefix: param(`${escaped}%`), anywhere: param(`%${escaped}%`) };
}

/**
 * Every term must match somewhere; then the filters. A term without the separator matches
 * search_text exactly when it matches one of its fields (a match cannot span a separator), with
 * one LIKE instead of four lower() + LIKE. A term with one (only possible in the literal fallback
 * of parseQuery) is matched field by field, as search_text would let it span two fields.
 */
function whereClause(
  patterns: readonly Pick<TermPatterns, "term" | "anywhere">[],
  query: SearchQuery,
  minPrice: number | undefined,
  maxPrice: number | undefined,
  param: (value: unknown) => string,
): string {
  let where = "1 = 1";
  for (const { term, anywhere } of patterns) {
    const pattern = opaque(anywhere, "TEXT");
    where += term.includes(FIELD_SEPARATOR)
      ? ` AND (lower(p.name) LIKE ${pattern} ESCAPE '\\' OR lower(p.description) LIKE ${pattern} ESCAPE '\\' OR lower(p.category_id) LIKE ${pattern} ESCAPE '\\' OR lower(c.name) LIKE ${pattern} ESCAPE '\\')`
      : ` AND p.search_text LIKE ${pattern} ESCAPE '\\'`;
  }
  if (query.category) where += ` AND p.category_id = ${param(query.category)}`;
  if (minPrice !== undefined) where += ` AND p.price_cents >= ${param(minPrice)}`;
  if (maxPrice !== undefined) where += ` AND p.price_cents <= ${param(maxPrice)}`;
  if (query.inStockOnly) where += " AND p.stock > 0";
  return where;
}

/**
 * A parameter the query planner cannot look into. SQLite reads the bound value of a LIKE pattern in
 * a WHERE clause (for its prefix optimisation) and of LIMIT / OFFSET (for its row estimates), and so
 * marks the statement to be prepared again whenever that parameter is bound: on every call, which
 * cost more than running it (search's statement: about 200 µs, 30 µs with this). Behind a CAST to
 * the type it has anyway, the value means the same to both databases and the prepared statement is
 * reused.
 */
function opaque(placeholder: string, type: "TEXT" | "INTEGER"): string {
  return `CAST(${placeholder} AS ${type})`;
}

/** The total when a page has no rows: none at all from the first page, else counted (a cursor past the end). */
async function countPastTheEnd(
  sql: SQL,
  offset: number,
  terms: readonly string[],
  query: SearchQuery,
  minPrice: number | undefined,
  maxPrice: number | undefined,
): Promise<number> {
  if (offset === 0) return 0;
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const patterns = terms.map((term) => ({ term, anywhere: param(`%${likeEscape(term)}%`) }));
  const where = whereClause(patterns, query, minPrice, maxPrice, param);
  const totals = (await sql.unsafe(
    `SELECT count(*) AS n FROM products p JOIN categories c ON c.id = p.category_id WHERE ${where}`,
    params,
  )) as { n: number | string }[];
  return Number(totals[0]?.n ?? 0);
}

function orderBy(sort: SearchQuery["sort"]): string {
  switch (sort) {
    case "price_asc":
      return "p.price_cents ASC, p.id ASC";
    case "price_desc":
      return "p.price_cents DESC, p.id ASC";
    case "relevance":
      return "score DESC, p.stock > 0 DESC, p.name ASC, p.id ASC";
    default:
      return "p.name ASC, p.id ASC";
  }
}
