/** Shapes domain objects for the MCP interface: currency units instead of cents, snake_case fields. */

import { toUnits } from "reservation-contract";
import { z } from "zod";
import type { Category, Product } from "./catalog/types.ts";

/**
 * An attribute value. Each branch carries a description so zod keeps them as `anyOf` branches with one
 * `type` each instead of folding them into a `type` array (see image_url below).
 */
const attributeValue = z.union([
  z.string().describe("Text value"),
  z.number().describe("Numeric value"),
  z.boolean().describe("Yes/no value"),
]);

export const productOutput = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  price: z.number().describe("Unit price in currency units, e.g. 149.99"),
  currency: z.string(),
  stock: z.number().int(),
  in_stock: z.boolean(),
  // Absent when the product has no image. Optional rather than nullable: zod writes a nullable field as
  // `type: ["string", "null"]`, which clients mapping schemas onto a single-`type` dialect (Gemini's
  // OpenAPI subset, flagged by the MCP Inspector) reject or drop.
  image_url: z.string().optional(),
  attributes: z.record(z.string(), attributeValue),
});

export const categoryOutput = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  product_count: z.number().int(),
});

export type ProductView = z.infer<typeof productOutput>;
export type CategoryView = z.infer<typeof categoryOutput>;

export function presentProduct(product: Product): ProductView {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    category: product.category,
    price: toUnits(product.priceCents),
    currency: product.currency,
    stock: product.stock,
    in_stock: product.stock > 0,
    ...(product.imageUrl === null ? {} : { image_url: product.imageUrl }),
    attributes: product.attributes,
  };
}

export function presentCategory(category: Category): CategoryView {
  return {
    id: category.id,
    name: category.name,
    description: category.description,
    product_count: category.productCount,
  };
}
