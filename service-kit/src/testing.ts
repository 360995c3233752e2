/**
 * What tests and measuring scripts outside the kit may use of its inner parts: opening and migrating a
 * database directly (and its SQLite writing handle), a request context for calling a route handler
 * in-process, the app built without listening, and waiting for a spawned service's "listening" line.
 * Not for service code.
 */

export { buildApp, type KitApp } from "./app/build.ts";
export type { AppParts } from "./app/parts.ts";
export { type AssembledService, assembleService } from "./app/start.ts";
export { withCachedWrites } from "./db/sqlite-writes.ts";
export { type OpenOptions, openDatabase } from "./db.ts";
export type { BusState, ChangeBus } from "./events/change-bus.ts";
export { changeChannel } from "./events/change-event.ts";
export { openChangeBus } from "./events/open-bus.ts";
export { notifyPublisher } from "./events/postgres-bus.ts";
export { newRequestContext } from "./http/request-context.ts";
export { type ListeningWait, waitForListeningPort } from "./listening.ts";
export { migrate } from "./migrate.ts";
