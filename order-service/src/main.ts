#!/usr/bin/env bun
/** order-service binary: `order-service [serve|migrate|healthcheck|version|--help]`. */
import "zod/compile";
import { runCli } from "service-kit";
import { configSchema } from "./config.ts";
import { orderService } from "./service.ts";

const code = await runCli(process.argv.slice(2), { definition: orderService, configSchema });
process.exit(code);
