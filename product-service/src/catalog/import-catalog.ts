/** Imports a validated catalogue in one transaction: all rows or none. Existing ids are updated. */
import type { SQL } from "bun";
import { toCents } from "reservation-contract";
import { DomainError } from "service-kit";
import { type CatalogFile, validateCatalogFile } from "./catalog-file.ts";
import { type ChangePublisher, categoriesChanged, productsChanged } from "./changes.ts";

export interface ImportReport {
  categories: number;
  products: number;
}

/** `changes`, when given, hears (with the commit) of the categories and of each product whose price or stock changed. */
export async function importCatalog(
  sql: SQL,
  data: unknown,
  changes?: ChangePublisher,
): Promise<ImportReport> {
  const known = (await sql`SELECT id FROM categories`) as { id: string }[];
  const validation = validateCatalogFile(data, new Set(known.map((row) => row.id)));
  if (!validation.ok) {
    const shown = validation.problems.slice(0, 50);
    const more =
      validation.problems.length > shown.length
        ? `\n…and ${validation.problems.length - shown.length} more`
        : "";
    throw new DomainError(
      "invalid",
      `${validation.problems.length} problem(s) in the catalogue file:\n${shown.join("\n")}${more}`,
    );
  }
  await writeCatalog(sql, validation.catalog, changes);
  return { categories: validation.catalog.categories.length, products: validation.catalog.products.length };
}

/**
 * Rows per INSERT: one statement per batch instead of one per row (the demo seed runs at first
 * start), while 500 rows × 11 columns stays far below SQLite's and PostgreSQL's parameter limits.
 */
const ROWS_PER_INSERT = 500;

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < rows.length; index += ROWS_PER_INSERT) {
    out.push(rows.slice(index, index + ROWS_PER_INSERT));
  }
  return out;
}

interface PriceAndStock {
  id: string;
  price_cents: number | string;
  currency: string;
  stock: number | string;
}

async function writeCatalog(sql: SQL, catalog: CatalogFile, changes?: ChangePublisher): Promise<void> {
  const now = new Date().toISOString();
  const products = catalog.products.map((product) => ({
    id: product.id,
    name: product.name,
    description: product.description,
    category_id: product.category,
    price_cents: toCents(product.price),
    currency: product.currency,
    stock: product.stock,
    image_url: product.image_url,
    attributes: JSON.stringify(product.attributes),
    created_at: now,
    updated_at: now,
  }));
  // Ids are unique within a file (validated), so no batch updates the same row twice.
  await sql.begin(async (tx) => {
    const before = new Map<string, PriceAndStock>();
    if (changes) {
      for (const rows of batches(products)) {
        const found = (await tx`SELECT id, price_cents, currency, stock FROM products
          WHERE id IN ${tx(rows.map((row) => row.id))}`) as PriceAndStock[];
        for (const row of found) before.set(row.id, row);
      }
    }
    for (const rows of batches(catalog.categories)) {
      await tx`INSERT INTO categories ${tx(rows, "id", "name", "description")}
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description`;
    }
    for (const rows of batches(products)) {
      await tx`INSERT INTO products ${tx(rows, "id", "name", "description", "category_id", "price_cents", "currency", "stock", "image_url", "attributes", "created_at", "updated_at")}
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
          category_id = excluded.category_id, price_cents = excluded.price_cents, currency = excluded.currency,
          stock = excluded.stock, image_url = excluded.image_url, attributes = excluded.attributes,
          updated_at = excluded.updated_at`;
    }
    if (!changes) return;
    const moved = products.filter((product) => {
      const old = before.get(product.id);
      return (
        !old ||
        Number(old.price_cents) !== product.price_cents ||
        old.currency !== product.currency ||
        Number(old.stock) !== product.stock
      );
    });
    // The categories resource carries product counts, so an import announces it every time.
    await changes.publish(tx as unknown as SQL, [
      ...categoriesChanged(),
      ...productsChanged(moved.map((product) => product.id)),
    ]);
  });
}
