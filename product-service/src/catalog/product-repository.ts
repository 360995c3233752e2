/** SQL for products and categories, for both SQLite and PostgreSQL through Bun's SQL client. */
import type { SQL } from "bun";
import type { Category, Product } from "./types.ts";

export interface ProductRow {
  id: string;
  name: string;
  description: string;
  category_id: string;
  price_cents: number | string;
  currency: string;
  stock: number | string;
  image_url: string | null;
  attributes: string;
  created_at: string;
  updated_at: string;
}

/**
 * The columns a product is read from, in table order: the table also has search_text (migration
 * 003), which only search matches against, so reads name their columns instead of `*`.
 */
export const PRODUCT_COLUMNS = [
  "id",
  "name",
  "description",
  "category_id",
  "price_cents",
  "currency",
  "stock",
  "image_url",
  "attributes",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof ProductRow)[];

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    category: row.category_id,
    priceCents: Number(row.price_cents),
    currency: row.currency,
    stock: Number(row.stock),
    imageUrl: row.image_url,
    attributes: JSON.parse(row.attributes) as Product["attributes"],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class ProductRepository {
  constructor(private readonly sql: SQL) {}

  async get(id: string): Promise<Product | undefined> {
    // The column list is spelled out (a tagged template's text must be fixed): PRODUCT_COLUMNS.
    const rows = (await this.sql`SELECT id, name, description, category_id, price_cents, currency, stock,
      image_url, attributes, created_at, updated_at FROM products WHERE id = ${id}`) as ProductRow[];
    return rows[0] ? toProduct(rows[0]) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Product[]> {
    if (ids.length === 0) return [];
    const rows = (await this.sql`SELECT id, name, description, category_id, price_cents, currency, stock,
      image_url, attributes, created_at, updated_at
      FROM products WHERE id IN ${this.sql(ids as string[])}`) as ProductRow[];
    return rows.map(toProduct);
  }

  async listIds(limit: number): Promise<{ id: string; name: string }[]> {
    // CAST: a bare LIMIT parameter makes SQLite prepare the statement again on every call (see search.ts).
    return (await this.sql`SELECT id, name FROM products ORDER BY id LIMIT CAST(${limit} AS INTEGER)`) as {
      id: string;
      name: string;
    }[];
  }

  async categories(): Promise<Category[]> {
    const rows = (await this.sql`
      SELECT c.id, c.name, c.description, count(p.id) AS product_count
      FROM categories c LEFT JOIN products p ON p.category_id = c.id
      GROUP BY c.id, c.name, c.description
      ORDER BY c.name`) as {
      id: string;
      name: string;
      description: string;
      product_count: number | string;
    }[];
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      description: row.description,
      productCount: Number(row.product_count),
    }));
  }

  async categoryExists(id: string): Promise<boolean> {
    const rows = await this.sql`SELECT 1 AS found FROM categories WHERE id = ${id}`;
    return rows.length > 0;
  }

  async count(): Promise<number> {
    const rows = (await this.sql`SELECT count(*) AS n FROM products`) as { n: number | string }[];
    return Number(rows[0]?.n ?? 0);
  }
}
