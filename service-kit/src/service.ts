/**
 * What a service gives the kit (its definition: info, migrations, setup) and gets back, and how its
 * database is opened. The app is built in app/build.ts and started in app/start.ts.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "./auth/principal.ts";
import type { KitConfig } from "./config.ts";
import { type Database, databaseUrlFromSecret, openDatabase } from "./db.ts";
import type { ChangePublisher } from "./events/change-bus.ts";
import type { InternalApi, KitRoute } from "./http/internal-routes.ts";
import type { Logger } from "./log.ts";
import { eventMigrations } from "./mcp/legacy/event-store.ts";
import { sessionMigrations } from "./mcp/legacy/session-store.ts";
import { subscriptionMigrations } from "./mcp/legacy/subscriptions.ts";
import type { Metrics } from "./metrics.ts";
import { type Migration, migrate } from "./migrate.ts";

export interface ServiceInfo {
  name: string;
  version: string;
  description: string;
}

export interface ServiceDeps<C extends KitConfig> {
  info: ServiceInfo;
  config: C;
  /** Writes through it may publish change events (`changes.publish(tx, …)` inside `db.write`). */
  db: Database;
  /** Live updates for MCP clients of every instance, sent with the write's commit (events/). */
  changes: ChangePublisher;
  log: Logger;
  metrics: Metrics;
}

export type { InternalApi, KitRoute };

export interface ServiceRuntime {
  /** Builds the MCP server for one session (or one stateless request) of this caller. */
  createMcpServer(principal: Principal): McpServer;
  /** Service-to-service routes: root only, behind the service token (see http/internal-routes.ts). */
  internal?: InternalApi;
  /** Stops background work (reconcilers); called during shutdown, before the database closes. */
  stop?(): Promise<void>;
}

export interface ServiceDefinition<C extends KitConfig> {
  info: ServiceInfo;
  migrations: readonly Migration[];
  setup(deps: ServiceDeps<C>): Promise<ServiceRuntime>;
}

export interface RunningService {
  url: string;
  /** The bound port: the OS's pick when PORT is 0. */
  port: number;
  /** Drains and closes everything; resolves when done. */
  shutdown(reason: string): Promise<void>;
}

export function resolveDatabaseUrl(config: KitConfig, fallback: string): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  if (config.DB_SECRET) return databaseUrlFromSecret(config.DB_SECRET);
  return fallback;
}

export async function openServiceDatabase<C extends KitConfig>(
  definition: ServiceDefinition<C>,
  config: C,
): Promise<Database> {
  const url = resolveDatabaseUrl(config, `sqlite://.data/${definition.info.name}.sqlite`);
  const db = await openDatabase(url, config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {});
  await migrate(db, [
    ...sessionMigrations,
    ...subscriptionMigrations,
    ...eventMigrations,
    ...definition.migrations,
  ]);
  return db;
}
