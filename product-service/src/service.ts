/** product-service as a kit service definition: migrations, demo seed, MCP server. */

import { resolveInternalToken, type ServiceDefinition } from "service-kit";
import demoCatalog from "../data/demo-catalog.json" with { type: "json" };
import catalogMigration from "../migrations/001_catalog.sql" with { type: "text" };
import reservationsMigration from "../migrations/002_reservations.sql" with { type: "text" };
import searchTextPostgres from "../migrations/003_search_text.postgres.sql" with { type: "text" };
import searchTextSqlite from "../migrations/003_search_text.sqlite.sql" with { type: "text" };
import packageJson from "../package.json" with { type: "json" };
import { Catalog } from "./catalog/catalog.ts";
import type { ProductConfig } from "./config.ts";
import { internalRoutes } from "./internal.ts";
import { createProductMcpServer } from "./mcp.ts";
import { Reservations } from "./reservations/reservations.ts";

export const productService: ServiceDefinition<ProductConfig> = {
  info: {
    name: "product-service",
    version: packageJson.version,
    description: "Product catalogue MCP server",
  },
  migrations: [
    { id: "001_catalog", sql: catalogMigration },
    { id: "002_reservations", sql: reservationsMigration },
    { id: "003_search_text", sql: { sqlite: searchTextSqlite, postgres: searchTextPostgres } },
  ],
  async setup({ config, db, changes, log, metrics, info }) {
    const internalToken = await resolveInternalToken(config);
    const catalog = new Catalog(db.sql);
    if (config.SEED_DEMO_DATA === "true") {
      const seeded = await catalog.seedIfEmpty(demoCatalog);
      if (seeded) log.info("seeded the demo catalogue into an empty database", { ...seeded });
    }
    if (internalToken === undefined) {
      // Only on loopback (the config refuses it elsewhere): the catalogue works, orders cannot reserve.
      log.warn("the internal reservation API is off: INTERNAL_TOKEN is not set", {
        advice: "set the same INTERNAL_TOKEN on product-service and order-service; npm run dev does this",
      });
    }
    const routes = internalRoutes({ reservations: new Reservations(db, changes), catalog, log });
    return {
      createMcpServer: () => createProductMcpServer(catalog, { log, metrics }, info.version),
      internal: { token: () => internalToken, routes },
    };
  },
};

export { demoCatalog };
