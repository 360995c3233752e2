/** Picks the change bus for a service's database: LISTEN/NOTIFY on PostgreSQL, in-process on SQLite. */
import type { Database } from "../db.ts";
import type { Logger } from "../log.ts";
import type { ChangeBus } from "./change-bus.ts";
import { changeChannel } from "./change-event.ts";
import { InProcessChangeBus } from "./in-process-bus.ts";
import { PostgresChangeBus } from "./postgres-bus.ts";

export interface OpenBusOptions {
  /** The service's name: its NOTIFY channel, since services may share one PostgreSQL database. */
  service: string;
  log?: Logger;
  heartbeatMs?: number;
}

export async function openChangeBus(db: Database, options: OpenBusOptions): Promise<ChangeBus> {
  if (db.dialect === "sqlite") return new InProcessChangeBus(options.log);
  return PostgresChangeBus.start(db.sql, {
    channel: changeChannel(options.service),
    ...(options.log ? { log: options.log } : {}),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });
}
