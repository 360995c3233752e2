#!/usr/bin/env bun
/** product-service binary: `product-service [serve|migrate|seed FILE|healthcheck|version|--help]`. */
import "zod/compile";
import { runCli } from "service-kit";
import { Catalog } from "./catalog/catalog.ts";
import { configSchema } from "./config.ts";
import { productService } from "./service.ts";

const code = await runCli(process.argv.slice(2), {
  definition: productService,
  configSchema,
  seed: {
    async run({ db, changes }, data) {
      const report = await new Catalog(db.sql).import(data, changes);
      return `imported ${report.categories} categories and ${report.products} products`;
    },
  },
});
process.exit(code);
