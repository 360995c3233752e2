/** The catalogue's MCP tools: thin adapters that validate input, call the domain and shape output. */
import type { McpServer } from "@modelcontextprotocol/server";
import { PRODUCT_ID_PATTERN, toCents } from "reservation-contract";
import { READ_ONLY_TOOL, registerTool, type ToolKit } from "service-kit";
import { z } from "zod";
import type { Catalog } from "./catalog/catalog.ts";
import { categoryOutput, presentCategory, presentProduct, productOutput } from "./presenters.ts";

const productId = z
  .string()
  .trim()
  .regex(PRODUCT_ID_PATTERN, "must be a product id like p002")
  .describe('Product id, e.g. "p002"');
const price = z.number().min(0).max(1_000_000);

// Tool shapes are defined once: every server built registers them, and shares their validators (see
// registerTool in service-kit).
const searchInput = {
  query: z.string().max(200).optional().describe('Free text, e.g. "wireless headphones"'),
  category: z.string().max(64).optional().describe("Category id from list_categories, e.g. electronics"),
  min_price: price.optional().describe("Lowest unit price, in currency units"),
  max_price: price.optional().describe("Highest unit price, in currency units"),
  in_stock_only: z.boolean().optional().describe("Only products with stock above zero"),
  sort: z.enum(["relevance", "price_asc", "price_desc", "name"]).optional(),
  limit: z.number().int().min(1).max(50).default(10),
  cursor: z.string().max(512).optional().describe("next_cursor from the previous page"),
};
const searchOutput = {
  products: z.array(productOutput),
  // Optional, not nullable: see image_url in presenters.ts.
  next_cursor: z.string().optional(),
  total: z.number().int(),
};
const getProductInput = { product_id: productId };
const checkInventoryInput = { product_ids: z.array(productId).min(1).max(50) };
const checkInventoryOutput = {
  items: z.array(
    z.object({
      product_id: z.string(),
      name: z.string(),
      stock: z.number().int(),
      in_stock: z.boolean(),
    }),
  ),
  unknown_ids: z.array(z.string()),
};
const listCategoriesInput = {};
const listCategoriesOutput = { categories: z.array(categoryOutput) };

export function registerCatalogTools(server: McpServer, kit: ToolKit, catalog: Catalog): void {
  registerTool(server, kit, {
    name: "search_products",
    title: "Search products",
    description:
      "Search the catalogue by words (matched in name, description and category, ranked by relevance), " +
      "category, price range in currency units and stock. Returns up to `limit` products, the total number of " +
      "matches, and `next_cursor` to fetch the next page (pass it back unchanged with the same filters; absent " +
      "on the last page).",
    input: searchInput,
    output: searchOutput,
    annotations: READ_ONLY_TOOL,
    scope: "products:read",
    handler: async (input) => {
      const page = await catalog.search({
        query: input.query,
        category: input.category,
        minPriceCents: input.min_price === undefined ? undefined : toCents(input.min_price),
        maxPriceCents: input.max_price === undefined ? undefined : toCents(input.max_price),
        inStockOnly: input.in_stock_only,
        sort: input.sort,
        cursor: input.cursor,
        limit: input.limit,
      });
      return {
        products: page.products.map(presentProduct),
        next_cursor: page.nextCursor ?? undefined,
        total: page.total,
      };
    },
  });

  registerTool(server, kit, {
    name: "get_product",
    title: "Get product",
    description: "Full details of one product by id: price in currency units, stock, attributes and image.",
    input: getProductInput,
    output: productOutput.shape,
    annotations: READ_ONLY_TOOL,
    scope: "products:read",
    handler: async (input) => presentProduct(await catalog.getProduct(input.product_id)),
  });

  registerTool(server, kit, {
    name: "list_categories",
    title: "List categories",
    description:
      "All product categories with how many products each has. Use the ids to filter search_products.",
    input: listCategoriesInput,
    output: listCategoriesOutput,
    annotations: READ_ONLY_TOOL,
    scope: "products:read",
    handler: async () => ({ categories: (await catalog.categories()).map(presentCategory) }),
  });

  registerTool(server, kit, {
    name: "check_inventory",
    title: "Check inventory",
    description: "Current stock for 1 to 50 product ids. Ids that do not exist are listed in unknown_ids.",
    input: checkInventoryInput,
    output: checkInventoryOutput,
    annotations: READ_ONLY_TOOL,
    scope: "products:read",
    handler: async (input) => {
      const report = await catalog.inventory(input.product_ids);
      return {
        items: report.items.map((item) => ({
          product_id: item.productId,
          name: item.name,
          stock: item.stock,
          in_stock: item.stock > 0,
        })),
        unknown_ids: report.unknownIds,
      };
    },
  });
}
