/**
 * A session this instance holds is checked against its row: ended (row gone) or expired elsewhere, it
 * is not served here either; another caller's id is not found; and one that another instance made is
 * rebuilt from the full row. On SQLite the row is read on every request. On PostgreSQL, while the
 * change bus vouches that every session ending reaches this instance, a held session is served from
 * memory and an ending announced on any instance drops it.
 */
import { afterEach, expect, test } from "bun:test";
import { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { openTestDatabase } from "../../../../test/support/database.ts";
import { createTestDatabase } from "../../../../test/support/postgres.ts";
import type { Principal } from "../../auth/principal.ts";
import { type Database, openDatabase } from "../../db.ts";
import type { ChangeBus } from "../../events/change-bus.ts";
import { openChangeBus } from "../../events/open-bus.ts";
import { createLogger } from "../../log.ts";
import { migrate } from "../../migrate.ts";
import { type LiveSession, LiveSessions } from "./live-sessions.ts";
import { SessionStore, sessionMigrations } from "./session-store.ts";

const TTL_MS = 60_000;
const alice: Principal = { id: "alice", scopes: ["products:read"], via: "api-key" };

/** The real store, counting the liveness reads of held sessions. */
class CountingStore extends SessionStore {
  livenessReads = 0;
  override liveness(id: string) {
    this.livenessReads++;
    return super.liveness(id);
  }
}

interface Instance {
  store: CountingStore;
  sessions: LiveSessions;
  bus: ChangeBus;
  rebuilt: string[];
}

const opened: { db: Database; bus: ChangeBus; sessions: LiveSessions }[] = [];
afterEach(async () => {
  for (const { db, bus, sessions } of opened.splice(0)) {
    await sessions.closeAll();
    await bus.close();
    await db.close();
  }
});

/** One instance (store, live sessions, change bus) on `db`. */
async function instanceOn(db: Database, ttlMs = TTL_MS): Promise<Instance> {
  const store = new CountingStore(db);
  const bus = await openChangeBus(db, { service: "sessions-test" });
  const rebuilt: string[] = [];
  const sessions = new LiveSessions({
    store,
    log: createLogger("error", {}, () => undefined),
    ttlMs,
    rebuild: async (record) => {
      rebuilt.push(`${record.id} ${JSON.stringify(record.clientInfo)}`);
      return held(record.principal);
    },
    endings: bus,
  });
  opened.push({ db, bus, sessions });
  return { store, sessions, bus, rebuilt };
}

async function setup(): Promise<Instance> {
  return instanceOn(await openTestDatabase(sessionMigrations, "sqlite"));
}

/** Two instances sharing one PostgreSQL database, as two Fargate tasks do. */
async function postgresPair(ttlMs = TTL_MS): Promise<[Instance, Instance]> {
  const url = await createTestDatabase("sessions");
  const first = await openDatabase(url);
  await migrate(first, sessionMigrations);
  return [await instanceOn(first, ttlMs), await instanceOn(await openDatabase(url), ttlMs)];
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

function held(principal: string): LiveSession {
  return {
    transport: new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => "s" }),
    server: new McpServer({ name: "t", version: "1" }),
    principal,
    lastTouchedAt: Date.now(),
    protocolVersion: "2025-11-25",
  };
}

async function createRow(store: SessionStore, id: string, lastSeenAt = Date.now()): Promise<void> {
  await store.create({
    id,
    principal: "alice",
    protocolVersion: "2025-11-25",
    clientInfo: { name: "c", version: "1" },
    clientCapabilities: {},
    createdAt: lastSeenAt,
    lastSeenAt,
  });
}

test("sqlite: a held session whose row another process deleted is not found (every request reads it)", async () => {
  const { store, sessions, bus } = await setup();
  await createRow(store, "s1");
  sessions.add("s1", held("alice"));
  expect(await sessions.resolve("s1", alice)).toBeDefined();
  expect(await sessions.resolve("s1", alice)).toBeDefined();
  expect(store.livenessReads).toBe(2);
  // Announced or not, a delete by another process on the same file is never heard here.
  await store.delete("s1", bus);
  expect(await sessions.resolve("s1", alice)).toBeUndefined();
  expect(sessions.size).toBe(0);
});

test("postgres: while the bus vouches, held sessions read no row; an ending announced on another instance drops them", async () => {
  const [one, two] = await postgresPair();
  await createRow(one.store, "v1");
  one.sessions.add("v1", held("alice"));
  for (let call = 0; call < 3; call++) expect(await one.sessions.resolve("v1", alice)).toBeDefined();
  expect(one.store.livenessReads).toBe(0);
  // The other instance rebuilds it, reads its row once, then serves it from memory too.
  for (let call = 0; call < 3; call++) expect(await two.sessions.resolve("v1", alice)).toBeDefined();
  expect(two.rebuilt).toEqual(['v1 {"name":"c","version":"1"}']);
  expect(two.store.livenessReads).toBe(1);
  // Another caller still gets nothing from memory.
  expect(await one.sessions.resolve("v1", { ...alice, id: "mallory" })).toBeUndefined();

  await two.store.delete("v1", two.bus);
  await until(() => one.sessions.size === 0 && two.sessions.size === 0);
  expect(one.sessions.size).toBe(0);
  expect(await one.sessions.resolve("v1", alice)).toBeUndefined();
  expect(await two.sessions.resolve("v1", alice)).toBeUndefined();
}, 60_000);

test("postgres: a row removed without a notice is found gone at the session's next touch", async () => {
  const ttlMs = 1000;
  const [one] = await postgresPair(ttlMs);
  const lastSeenAt = Date.now();
  await createRow(one.store, "v2", lastSeenAt);
  one.sessions.add("v2", { ...held("alice"), lastTouchedAt: lastSeenAt });
  await one.store.delete("v2");
  // Served from memory until the next touch, a tenth of the TTL after the last one.
  expect(await one.sessions.resolve("v2", alice)).toBeDefined();
  await Bun.sleep(ttlMs / 10 + 50);
  expect(await one.sessions.resolve("v2", alice)).toBeUndefined();
  expect(one.sessions.size).toBe(0);
}, 60_000);

test("postgres: a held session known to have expired is read again, and the row decides", async () => {
  const ttlMs = 1000;
  const [one, two] = await postgresPair(ttlMs);
  const start = Date.now();
  await createRow(one.store, "v3", start);
  one.sessions.add("v3", { ...held("alice"), lastTouchedAt: start });
  // The client carries on through the other instance, which touches the row.
  expect(await two.sessions.resolve("v3", alice)).toBeDefined();
  await Bun.sleep(ttlMs / 2);
  expect(await two.sessions.resolve("v3", alice)).toBeDefined();
  await Bun.sleep(ttlMs / 2 + 100);
  // Past the TTL as this instance knew it, but seen elsewhere since: still live.
  expect(await one.sessions.resolve("v3", alice)).toBeDefined();
  expect(one.store.livenessReads).toBe(1);
}, 60_000);

test("a held session whose row was last seen past the TTL is not found, and its row goes", async () => {
  const { store, sessions } = await setup();
  await createRow(store, "s2", Date.now() - TTL_MS - 1000);
  sessions.add("s2", held("alice"));
  expect(await sessions.resolve("s2", alice)).toBeUndefined();
  expect(await store.liveness("s2")).toBeUndefined();
});

test("another caller's held session is not found", async () => {
  const { store, sessions } = await setup();
  await createRow(store, "s3");
  sessions.add("s3", held("alice"));
  expect(await sessions.resolve("s3", { ...alice, id: "mallory" })).toBeUndefined();
});

test("a session made elsewhere is rebuilt from its full row, once", async () => {
  const { store, sessions, rebuilt } = await setup();
  await createRow(store, "s4");
  expect(await sessions.resolve("s4", alice)).toBeDefined();
  expect(await sessions.resolve("s4", alice)).toBeDefined();
  expect(rebuilt).toEqual(['s4 {"name":"c","version":"1"}']);
});
