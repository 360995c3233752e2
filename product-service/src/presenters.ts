/** Shapes domain objects for the MCP interface: currency units instead of cents, snake_case fields. */

import { toUnits } from "reservation-contract";
import { z } from "zod";
import type { Category, Product } from "./catalog/types.ts";

export const productOutput = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  price: z.number().describe("Unit price in currency units, e.g. 149.99"),
  currency: z.string(),
  stock: z.number().int(),
  in_stock: z.boolean(),
  image_url: z.string().nullable(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
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
    image_url: product.imageUrl,
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
