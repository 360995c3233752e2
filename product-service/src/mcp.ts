/** Builds the product-service MCP server: tools, resources and prompts over one Catalog. */
import { McpServer, type ServerOptions } from "@modelcontextprotocol/server";
import { KIT_CACHE_HINTS, type ToolKit } from "service-kit";
import type { Catalog } from "./catalog/catalog.ts";
import { registerCatalogPrompts, registerCatalogResources } from "./resources.ts";
import { registerCatalogTools } from "./tools.ts";

/**
 * How long 2026-07-28 clients may reuse list and read results (the SDK adds ttlMs and cacheScope to
 * them; 2025 answers are unchanged). The catalogue is the same for everyone, so it is `public`; the
 * tool list depends on the caller's scopes, so it is `private`. Product reads carry stock, hence short.
 */
const CACHE_HINTS: ServerOptions["cacheHints"] = {
  ...KIT_CACHE_HINTS,
  "resources/list": { ttlMs: 60_000, cacheScope: "public" },
  "resources/read": { ttlMs: 10_000, cacheScope: "public" },
};

export function createProductMcpServer(catalog: Catalog, kit: ToolKit, version: string): McpServer {
  const server = new McpServer(
    { name: "product-service", title: "Shop product catalogue", version },
    {
      capabilities: { logging: {} },
      cacheHints: CACHE_HINTS,
      instructions:
        "Product catalogue of a shop. Use search_products to find products (prices are in currency units), " +
        "get_product for details, list_categories for categories and check_inventory for stock.",
    },
  );
  registerCatalogTools(server, kit, catalog);
  registerCatalogResources(server, catalog);
  registerCatalogPrompts(server, catalog);
  return server;
}
