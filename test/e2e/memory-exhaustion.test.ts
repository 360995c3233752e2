/**
 * Memory exhaustion through the legacy session layer, against two compiled product-service binaries on
 * one database (a SQLite file, and PostgreSQL as two Fargate tasks share Aurora). Each case is one finding of the outside review
 * (issue 17): oversized session metadata, too many sessions per principal, client "responses" to
 * requests the server never sent, and resumes of answered streams that started a database poller.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SQL } from "bun";
import { createTestDatabase } from "../support/postgres.ts";
import { type ServiceHandle, startService, tempDir } from "../support/service-process.ts";
import { readEvents } from "../support/sse.ts";

const KEYS = {
  metadata: "rmcp_memory_test_metadata_key_0001",
  capped: "rmcp_memory_test_capped_key_000002",
  other: "rmcp_memory_test_other_key_0000003",
  relay: "rmcp_memory_test_relay_key_0000004",
  resume: "rmcp_memory_test_resume_key_000005",
} as const;
const MAX_SESSIONS = 3;
const VERSION = "2025-11-25";

let a: ServiceHandle;
let b: ServiceHandle;
let databaseUrl = "";

/** Two instances on one database (`dialect`); the describe blocks below run once per dialect. */
async function startPair(dialect: "sqlite" | "postgres"): Promise<void> {
  databaseUrl =
    dialect === "sqlite"
      ? `sqlite://${join(tempDir("memory-exhaustion-"), "shared.sqlite")}`
      : await createTestDatabase("memory");
  const env = {
    AUTH_MODE: "api-key",
    API_KEYS: Object.entries(KEYS)
      .map(([name, key]) => `${name}=${key}`)
      .join(","),
    INTERNAL_TOKEN: "memory-exhaustion-internal-token-0123",
    RATE_LIMIT_PER_MINUTE: "0",
    MAX_SESSIONS_PER_PRINCIPAL: String(MAX_SESSIONS),
    LOG_LEVEL: "debug",
  };
  // One after the other: the first applies the migrations and seeds the catalogue.
  a = await startService("product-service", { databaseUrl, env });
  b = await startService("product-service", { databaseUrl, env });
}

async function query<T>(statement: (db: SQL) => Promise<unknown>): Promise<T> {
  const db = databaseUrl.startsWith("sqlite://")
    ? new SQL({ adapter: "sqlite", filename: databaseUrl.slice("sqlite://".length), readonly: true })
    : new SQL(databaseUrl);
  try {
    return (await statement(db)) as T;
  } finally {
    await db.close();
  }
}

const headers = (key: string, session?: string): Record<string, string> => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  authorization: `Bearer ${key}`,
  "mcp-protocol-version": VERSION,
  ...(session ? { "mcp-session-id": session } : {}),
});

function initialize(
  instance: ServiceHandle,
  key: string,
  clientInfo: unknown = { name: "memory-test", version: "1" },
  capabilities: unknown = {},
): Promise<Response> {
  return fetch(instance.mcpUrl, {
    method: "POST",
    headers: { ...headers(key), accept: "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: VERSION, capabilities, clientInfo },
    }),
  });
}

async function openSession(instance: ServiceHandle, key: string): Promise<string> {
  const response = await initialize(instance, key);
  const session = response.headers.get("mcp-session-id");
  const text = await response.text();
  if (response.status !== 200 || !session) throw new Error(`initialize: HTTP ${response.status} ${text}`);
  const initialized = await fetch(instance.mcpUrl, {
    method: "POST",
    headers: headers(key, session),
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  expect(initialized.status).toBe(202);
  return session;
}

const errorOf = async (response: Response): Promise<{ code: number; message: string }> =>
  ((await response.json()) as { error: { code: number; message: string } }).error;

describe.each(["sqlite", "postgres"] as const)("two product-service binaries on %s", (dialect) => {
  beforeAll(() => startPair(dialect), 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  describe("session metadata is capped in size", () => {
    test("a 900 KB clientInfo or oversized capabilities are refused, and no session is stored", async () => {
      const before = await query<{ n: number }[]>((db) => db`SELECT count(*) AS n FROM mcp_sessions`);
      const huge = "x".repeat(900_000);
      const bigInfo = await initialize(a, KEYS.metadata, { name: "big", version: "1", description: huge });
      expect(bigInfo.status).toBe(400);
      const infoError = await errorOf(bigInfo);
      expect(infoError.code).toBe(-32602);
      expect(infoError.message).toContain("clientInfo");
      expect(infoError.message).toContain("4096 bytes");
      const bigCapabilities = await initialize(a, KEYS.metadata, undefined, { experimental: { blob: huge } });
      expect(bigCapabilities.status).toBe(400);
      expect((await errorOf(bigCapabilities)).message).toContain("capabilities");
      const after = await query<{ n: number }[]>((db) => db`SELECT count(*) AS n FROM mcp_sessions`);
      expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
    });

    test("clientInfo icons are not kept: the session works and its row holds name and version only", async () => {
      const icon = { src: `data:image/png;base64,${"A".repeat(200_000)}`, mimeType: "image/png" };
      const response = await initialize(a, KEYS.metadata, { name: "iconic", version: "2", icons: [icon] });
      const session = response.headers.get("mcp-session-id") as string;
      expect(response.status).toBe(200);
      await response.text();
      const rows = await query<{ client_info: string }[]>(
        (db) => db`SELECT client_info FROM mcp_sessions WHERE id = ${session}`,
      );
      expect(JSON.parse(rows[0]?.client_info ?? "null")).toEqual({ name: "iconic", version: "2" });
      // The session is served on the instance that never saw the initialize, from its row.
      const list = await fetch(b.mcpUrl, {
        method: "POST",
        headers: { ...headers(KEYS.metadata, session), accept: "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(list.status).toBe(200);
    });
  });

  describe("live sessions are capped per principal", () => {
    test("past the cap initialize is refused on every instance until a session is closed", async () => {
      const sessions = [
        await openSession(a, KEYS.capped),
        await openSession(b, KEYS.capped),
        await openSession(a, KEYS.capped),
      ];
      for (const instance of [a, b]) {
        const refused = await initialize(instance, KEYS.capped);
        expect(refused.status).toBe(429);
        expect(refused.headers.get("mcp-session-id")).toBeNull();
        const error = await errorOf(refused);
        expect(error.message).toContain(`${MAX_SESSIONS} live sessions`);
        expect(error.message).toContain("DELETE");
      }
      // Another principal is not affected.
      await openSession(b, KEYS.other);
      const closed = await fetch(b.mcpUrl, {
        method: "DELETE",
        headers: headers(KEYS.capped, sessions[0]),
      });
      expect(closed.status).toBe(200);
      await openSession(a, KEYS.capped);
    });
  });

  describe("the client-response relay takes only answers to outstanding server requests", () => {
    test("a response-shaped POST nobody asked for is refused on both instances and nothing is parked", async () => {
      const session = await openSession(a, KEYS.relay);
      for (const instance of [a, b]) {
        const response = await fetch(instance.mcpUrl, {
          method: "POST",
          headers: headers(KEYS.relay, session),
          body: JSON.stringify({ jsonrpc: "2.0", id: 77, result: { blob: "y".repeat(500_000) } }),
        });
        expect(response.status).toBe(400);
        const error = await errorOf(response);
        expect(error.message).toContain("no request with id 77");
      }
      const rows = await query<{ n: number }[]>(
        (db) => db`SELECT count(*) AS n FROM mcp_client_responses WHERE session_id = ${session}`,
      );
      expect(Number(rows[0]?.n)).toBe(0);
    });
  });

  describe("resuming an answered stream", () => {
    test("replays what is stored and closes at once on every instance, and no database tail starts", async () => {
      const session = await openSession(a, KEYS.resume);
      const call = await fetch(a.mcpUrl, {
        method: "POST",
        headers: { ...headers(KEYS.resume, session), accept: "text/event-stream" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 5,
          method: "tools/call",
          params: { name: "list_categories", arguments: {} },
        }),
      });
      expect(call.headers.get("content-type")).toStartWith("text/event-stream");
      const [priming, answer] = await readEvents(call.body as ReadableStream<Uint8Array>);
      expect(priming?.data).toBe("");
      expect(JSON.parse(answer?.data ?? "{}").id).toBe(5);
      for (const instance of [a, b]) {
        for (const lastEventId of [answer?.id, priming?.id] as string[]) {
          const resumed = await fetch(instance.mcpUrl, {
            method: "GET",
            headers: {
              ...headers(KEYS.resume, session),
              accept: "text/event-stream",
              "last-event-id": lastEventId,
            },
            // Before the fix such a stream stayed open (and polled the database) for 120 s.
            signal: AbortSignal.timeout(10_000),
          });
          expect(resumed.status).toBe(200);
          const replayed = (await readEvents(resumed.body as ReadableStream<Uint8Array>)).map(
            (event) => JSON.parse(event.data).id,
          );
          expect(replayed).toEqual(lastEventId === answer?.id ? [] : [5]);
        }
      }
      await Bun.sleep(300);
      for (const instance of [a, b]) {
        const tails = instance.logLines().filter((line) => line.msg === "tailing a resumed stream");
        expect(tails).toEqual([]);
      }
    }, 60_000);
  });
});
