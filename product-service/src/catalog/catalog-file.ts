/**
 * The catalogue import format (see data/demo-catalog.json) and its validation. Every problem is
 * reported with the row it is in, so an operator can fix a file in one pass.
 */

import { hasAtMostTwoDecimals, PRODUCT_ID_PATTERN } from "reservation-contract";
import { z } from "zod";

const categorySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "must be lower-case letters, digits, - or _"),
  name: z.string().trim().min(1, "must not be empty").max(100),
  description: z.string().max(1000).default(""),
});

const productSchema = z.object({
  id: z.string().regex(PRODUCT_ID_PATTERN, "must be letters, digits, - or _ (at most 64)"),
  name: z.string().trim().min(1, "must not be empty").max(200),
  description: z.string().max(4000).default(""),
  category: z.string().min(1, "must name a category"),
  price: z
    .number({ error: "must be a number in currency units, e.g. 149.99" })
    .positive("must be greater than 0")
    .max(1_000_000, "must be at most 1000000")
    .refine(hasAtMostTwoDecimals, "must have at most two decimals"),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter ISO code such as USD"),
  stock: z.number().int("must be a whole number").min(0, "must not be negative").max(1_000_000),
  image_url: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .nullable()
    .default(null),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export type CatalogCategory = z.infer<typeof categorySchema>;
export type CatalogProduct = z.infer<typeof productSchema>;

export interface CatalogFile {
  categories: CatalogCategory[];
  products: CatalogProduct[];
}

export type CatalogValidation = { ok: true; catalog: CatalogFile } | { ok: false; problems: string[] };

function rowProblems<T>(
  schema: z.ZodType<T>,
  rows: unknown[],
  label: string,
  out: T[],
  problems: string[],
): void {
  rows.forEach((row, index) => {
    const result = schema.safeParse(row);
    if (result.success) {
      out.push(result.data);
      return;
    }
    for (const issue of result.error.issues) {
      const field = issue.path.length > 0 ? `.${issue.path.join(".")}` : "";
      problems.push(`${label}[${index}]${field}: ${issue.message}`);
    }
  });
}

function duplicates(rows: unknown[], label: string, problems: string[]): void {
  const seen = new Map<string, number>();
  rows.forEach((row, index) => {
    const id = (row as { id?: unknown } | null)?.id;
    if (typeof id !== "string") return;
    const first = seen.get(id);
    if (first !== undefined) problems.push(`${label}[${index}].id: "${id}" repeats ${label}[${first}]`);
    else seen.set(id, index);
  });
}

/** Validates a parsed JSON value; `knownCategories` are those already in the database. */
export function validateCatalogFile(
  data: unknown,
  knownCategories: ReadonlySet<string> = new Set(),
): CatalogValidation {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, problems: ['the file must be an object with "categories" and "products" arrays'] };
  }
  const { categories = [], products } = data as { categories?: unknown; products?: unknown };
  if (!Array.isArray(categories)) return { ok: false, problems: ['"categories" must be an array'] };
  if (!Array.isArray(products)) return { ok: false, problems: ['"products" must be an array'] };
  const problems: string[] = [];
  const catalog: CatalogFile = { categories: [], products: [] };
  rowProblems(categorySchema, categories, "categories", catalog.categories, problems);
  rowProblems(productSchema, products, "products", catalog.products, problems);
  duplicates(categories, "categories", problems);
  duplicates(products, "products", problems);
  const categoryIds = new Set([...knownCategories, ...catalog.categories.map((c) => c.id)]);
  products.forEach((row, index) => {
    const category = (row as { category?: unknown })?.category;
    if (typeof category === "string" && category !== "" && !categoryIds.has(category)) {
      problems.push(
        `products[${index}].category: "${category}" is not a known category; add it to "categories"`,
      );
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, catalog };
}
