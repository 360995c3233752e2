/**
 * How each server under test is started: the ceiling (Bun.serve), the peer (Node + Express + SDK),
 * and the compiled product-service and order-service binaries on a fresh database.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import demoCatalog from "../product-service/data/demo-catalog.json" with { type: "json" };
import { benchTempDir, type ServerHandle, startServer } from "./processes.ts";

export const ROOT = join(import.meta.dir, "..");
export const INTERNAL_TOKEN = "bench-internal-token-0123456789abcdef";

export function binaryPath(service: "product-service" | "order-service"): string {
  return join(ROOT, "dist", service);
}

export function orderServiceExists(): boolean {
  return existsSync(join(ROOT, "order-service", "src", "main.ts"));
}

/** The ceiling; with `answersFile` it also answers SDK v2 clients (see bench/ceiling.ts). */
export async function startCeiling(answersFile?: string): Promise<ServerHandle> {
  return startServer({
    name: "ceiling",
    command: [process.execPath, join(import.meta.dir, "ceiling.ts")],
    env: answersFile ? { CEILING_ANSWERS: answersFile } : {},
    readyPath: "/ready",
  });
}

export async function startPeer(): Promise<ServerHandle> {
  return startServer({
    name: "peer",
    command: ["node", join(import.meta.dir, "peer", "server.mjs")],
    env: { NODE_ENV: "production" },
    readyPath: "/ready",
  });
}

/** The SDK v2 peer: createMcpHandler + toNodeHandler on Node (bench/peer/server-v2.mjs). */
export async function startPeerV2(): Promise<ServerHandle> {
  return startServer({
    name: "peer-v2",
    command: ["node", join(import.meta.dir, "peer", "server-v2.mjs")],
    env: { NODE_ENV: "production" },
    readyPath: "/ready",
  });
}

/** Service settings for load runs: production log level, a body limit and TTL as deployed. */
function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HOST: "127.0.0.1", LOG_LEVEL: "info", DATABASE_URL: databaseUrl, ...extra };
}

export function freshSqliteUrl(name: string): string {
  return `sqlite://${join(benchTempDir(`retail-mcp-bench-db-`), `${name}.sqlite`)}`;
}

export async function startProduct(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<ServerHandle> {
  return startServer({
    name: "product-service",
    command: [binaryPath("product-service"), "serve"],
    env: serviceEnv(databaseUrl, { INTERNAL_TOKEN, ...extra }),
    readyPath: "/ready",
  });
}

export async function startOrder(
  databaseUrl: string,
  productUrl: string,
  extra: Record<string, string> = {},
): Promise<ServerHandle> {
  return startServer({
    name: "order-service",
    command: [binaryPath("order-service"), "serve"],
    env: serviceEnv(databaseUrl, { INTERNAL_TOKEN, PRODUCT_SERVICE_URL: productUrl, ...extra }),
    readyPath: "/ready",
  });
}

/**
 * Imports the demo catalogue with a stock of a million per product (the catalogue maximum) through the binary's own
 * `seed FILE`, so that create_order never runs out of stock during a run.
 */
export function seedHugeStock(databaseUrl: string, extra: Record<string, string> = {}): void {
  const file = join(benchTempDir("retail-mcp-bench-seed-"), "catalog.json");
  const products = demoCatalog.products.map((product) => ({ ...product, stock: 1_000_000 }));
  writeFileSync(file, JSON.stringify({ ...demoCatalog, products }));
  const result = Bun.spawnSync([binaryPath("product-service"), "seed", file], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DATABASE_URL: databaseUrl, INTERNAL_TOKEN, ...extra },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(`product-service seed failed (exit ${result.exitCode}): ${result.stderr.toString()}`);
  }
}

/** Builds a service binary from source with the lead's build script, so figures match the source. */
export function buildService(service: "product-service" | "order-service"): void {
  const result = Bun.spawnSync([process.execPath, join(ROOT, "scripts", "build.ts"), "--service", service], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(`building ${service} failed:\n${result.stdout.toString()}${result.stderr.toString()}`);
  }
}
