/** product-service as a kit service definition: migrations, demo seed, MCP server. */
import type { ServiceDefinition } from "service-kit/service";
import packageJson from "../package.json" with { type: "json" };
import demoCatalog from "../data/demo-catalog.json" with { type: "json" };
import catalogMigration from "../migrations/001_catalog.sql" with { type: "text" };
import { Catalog } from "./catalog/catalog.ts";
import type { ProductConfig } from "./config.ts";
import { createProductMcpServer } from "./mcp.ts";

export const productService: ServiceDefinition<ProductConfig> = {
  info: {
    name: "product-service",
    version: packageJson.version,
    description: "Product catalogue MCP server",
  },
  migrations: [{ id: "001_catalog", sql: catalogMigration }],
  async setup({ config, db, log, metrics, info }) {
    const catalog = new Catalog(db.sql);
    if (config.SEED_DEMO_DATA === "true") {
      const seeded = await catalog.seedIfEmpty(demoCatalog);
      if (seeded) log.info("seeded the demo catalogue into an empty database", { ...seeded });
    }
    return { createMcpServer: () => createProductMcpServer(catalog, { log, metrics }, info.version) };
  },
};

export { demoCatalog };
