/** Imports a validated catalogue in one transaction: all rows or none. Existing ids are updated. */
import type { SQL } from "bun";
import { DomainError } from "service-kit/errors";
import { type CatalogFile, validateCatalogFile } from "./catalog-file.ts";
import { toCents } from "./money.ts";

export interface ImportReport {
  categories: number;
  products: number;
}

export async function importCatalog(sql: SQL, data: unknown): Promise<ImportReport> {
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
  await writeCatalog(sql, validation.catalog);
  return { categories: validation.catalog.categories.length, products: validation.catalog.products.length };
}

async function writeCatalog(sql: SQL, catalog: CatalogFile): Promise<void> {
  const now = new Date().toISOString();
  await sql.begin(async (tx) => {
    for (const category of catalog.categories) {
      await tx`INSERT INTO categories (id, name, description) VALUES (${category.id}, ${category.name}, ${category.description})
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description`;
    }
    for (const product of catalog.products) {
      await tx`INSERT INTO products (id, name, description, category_id, price_cents, currency, stock, image_url, attributes, created_at, updated_at)
        VALUES (${product.id}, ${product.name}, ${product.description}, ${product.category}, ${toCents(product.price)},
                ${product.currency}, ${product.stock}, ${product.image_url}, ${JSON.stringify(product.attributes)}, ${now}, ${now})
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
          category_id = excluded.category_id, price_cents = excluded.price_cents, currency = excluded.currency,
          stock = excluded.stock, image_url = excluded.image_url, attributes = excluded.attributes,
          updated_at = excluded.updated_at`;
    }
  });
}
