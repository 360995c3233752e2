/** Builds the product-service MCP server: tools, resources and prompts over one Catalog. */
import { McpServer } from "@modelcontextprotocol/server";
import type { ToolKit } from "service-kit/mcp/tools";
import type { Catalog } from "./catalog/catalog.ts";
import { registerCatalogPrompts, registerCatalogResources } from "./resources.ts";
import { registerCatalogTools } from "./tools.ts";

export function createProductMcpServer(catalog: Catalog, kit: ToolKit, version: string): McpServer {
  const server = new McpServer(
    { name: "product-service", title: "Shop product catalogue", version },
    {
      capabilities: { logging: {} },
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
