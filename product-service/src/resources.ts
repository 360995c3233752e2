/** The catalogue's MCP resources (product://{product_id}, catalog://categories) and its prompt. */
import {
  completable,
  type McpServer,
  ResourceNotFoundError,
  ResourceTemplate,
} from "@modelcontextprotocol/server";
import { declareCompletionScope, isDomainError, registerScopedPrompt, requireScope } from "service-kit";
import { z } from "zod";
import type { Catalog } from "./catalog/catalog.ts";
import { presentCategory, presentProduct } from "./presenters.ts";

export function registerCatalogResources(server: McpServer, catalog: Catalog): void {
  // Completing product ids lists the catalogue: it needs the same scope as listing it.
  declareCompletionScope(server, "product://{product_id}", "products:read");
  server.registerResource(
    "product",
    new ResourceTemplate("product://{product_id}", {
      list: async (ctx) => {
        requireScope(ctx, "products:read", "Listing product:// resources");
        return {
          resources: (await catalog.productIndex()).map((product) => ({
            uri: `product://${product.id}`,
            name: product.name,
            mimeType: "application/json",
          })),
        };
      },
      complete: {
        product_id: async (value) => {
          const prefix = value.toLowerCase();
          return (await catalog.productIndex())
            .filter((product) => product.id.toLowerCase().startsWith(prefix))
            .slice(0, 100)
            .map((product) => product.id);
        },
      },
    }),
    {
      title: "Product",
      description: "One product as JSON, with price in currency units",
      mimeType: "application/json",
    },
    async (uri, variables, ctx) => {
      requireScope(ctx, "products:read", uri.href);
      const id = String(variables.product_id ?? "");
      try {
        const product = presentProduct(await catalog.getProduct(decodeURIComponent(id)));
        return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(product) }] };
      } catch (error) {
        // SEP-2164: the SDK answers -32602 with data.uri, in both protocol eras.
        if (isDomainError(error)) throw new ResourceNotFoundError(uri.href, error.message);
        throw error;
      }
    },
  );

  server.registerResource(
    "categories",
    "catalog://categories",
    { title: "Categories", description: "All categories with product counts", mimeType: "application/json" },
    async (uri, ctx) => {
      requireScope(ctx, "products:read", uri.href);
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: "application/json",
            text: JSON.stringify({ categories: (await catalog.categories()).map(presentCategory) }),
          },
        ],
      };
    },
  );
}

export function registerCatalogPrompts(server: McpServer, catalog: Catalog): void {
  registerScopedPrompt(
    server,
    "find_gift",
    {
      // It drives the catalogue tools, and completing `interests` lists the categories.
      scope: "products:read",
      title: "Find a gift",
      description: "Guides the model through the catalogue tools to suggest gifts within a budget.",
      argsSchema: z.object({
        budget: z.string().describe("Most you want to spend, in currency units, e.g. 100"),
        interests: completable(
          z.string().describe("What the person likes, e.g. coffee, running"),
          async (value) => {
            const categories = await catalog.categories();
            return categories
              .map((category) => category.id)
              .filter((id) => id.startsWith(value.toLowerCase()));
          },
        ),
      }),
    },
    ({ budget, interests }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "text",
            text:
              `Help me find a gift for someone who likes ${interests}, for at most ${budget}.\n` +
              "1. Call list_categories to see what the shop sells.\n" +
              `2. Call search_products with words from the interests, max_price ${budget} and in_stock_only true; ` +
              "try a related category if nothing matches.\n" +
              "3. Call get_product for the two or three best matches.\n" +
              "4. Suggest them with name, price and one sentence on why each fits; mention the id so I can order it.",
          },
        },
      ],
    }),
  );
}
