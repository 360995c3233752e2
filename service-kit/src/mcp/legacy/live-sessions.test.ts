/**
 * A session this instance holds is still checked against its row on every request: ended (row gone)
 * or expired elsewhere, it is not served here either; another caller's id is not found; and one that
 * another instance made is rebuilt from the full row.
 */
import { expect, test } from "bun:test";
import { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { openTestDatabase } from "../../../../test/support/database.ts";
import type { Principal } from "../../auth/principal.ts";
import { createLogger } from "../../log.ts";
import { type LiveSession, LiveSessions } from "./live-sessions.ts";
import { SessionStore, sessionMigrations } from "./session-store.ts";

const TTL_MS = 60_000;
const alice: Principal = { id: "alice", scopes: ["products:read"], via: "api-key" };

async function setup(): Promise<{ store: SessionStore; sessions: LiveSessions; rebuilt: string[] }> {
  const db = await openTestDatabase(sessionMigrations, "sqlite");
  const store = new SessionStore(db);
  const rebuilt: string[] = [];
  const sessions = new LiveSessions({
    store,
    log: createLogger("error", {}, () => undefined),
    ttlMs: TTL_MS,
    rebuild: async (record) => {
      rebuilt.push(`${record.id} ${JSON.stringify(record.clientInfo)}`);
      return held(record.principal);
    },
  });
  return { store, sessions, rebuilt };
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

test("a held session whose row another instance deleted is not found", async () => {
  const { store, sessions } = await setup();
  await createRow(store, "s1");
  sessions.add("s1", held("alice"));
  expect(await sessions.resolve("s1", alice)).toBeDefined();
  await store.delete("s1");
  expect(await sessions.resolve("s1", alice)).toBeUndefined();
  expect(sessions.size).toBe(0);
});

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
