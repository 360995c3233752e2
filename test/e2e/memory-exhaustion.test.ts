/**
 * Memory exhaustion through the legacy session layer, against two compiled product-service binaries on
 * one SQLite file (as two Fargate tasks share Aurora). Each case is one finding of the outside review
 * (issue 17): oversized session metadata, too many sessions per principal, client "responses" to
 * requests the server never sent, and resumes of answered streams that started a database poller.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SQL } from "bun";
import { type ServiceHandle, startService, tempDir } from "../support/service-process.ts";

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
let databaseFile = "";

beforeAll(async () => {
  databaseFile = join(tempDir("memory-exhaustion-"), "shared.sqlite");
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
  const databaseUrl = `sqlite://${databaseFile}`;
  // One after the other: the first applies the migrations and seeds the catalogue.
  a = await startService("product-service", { databaseUrl, env });
  b = await startService("product-service", { databaseUrl, env });
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function query<T>(statement: (db: SQL) => Promise<unknown>): Promise<T> {
  const db = new SQL({ adapter: "sqlite", filename: databaseFile, readonly: true });
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

interface SseEvent {
  id?: string;
  data: string;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .map((block) => {
      const event: SseEvent = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) event.id = line.slice(4);
        else if (line.startsWith("data: ")) event.data += line.slice(6);
      }
      return event;
    })
    .filter((event) => event.id !== undefined);
}

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
    const [priming, answer] = parseSse(await call.text());
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
        const replayed = parseSse(await resumed.text()).map((event) => JSON.parse(event.data).id);
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
