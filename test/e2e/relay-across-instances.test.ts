/**
 * The client-response relay across instances: a tool call on instance A asks the client something
 * (elicitation), and the client's answer lands on instance B, which parks it in the shared database for
 * A. Only an answer to a request that waits for one is parked: answers nobody asked for, to a wrong id
 * or given twice are refused, and nothing of them stays in the database (issue 17, finding 4).
 * Runs the conformance fixture (service-kit with interactive tools) twice on one database: a SQLite file,
 * and PostgreSQL as in the cloud.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SQL } from "bun";
import { type RunningServer, startFixture } from "../../scripts/conformance.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { tempDir } from "../support/service-process.ts";
import { readEvents } from "../support/sse.ts";

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

async function openSession(url: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, accept: "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: { elicitation: {} },
        clientInfo: { name: "relay-test", version: "1" },
      },
    }),
  });
  const session = response.headers.get("mcp-session-id");
  await response.text();
  if (!session) throw new Error(`initialize gave no session id (HTTP ${response.status})`);
  await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  return session;
}

const answerTo = (id: unknown, username: string): string =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    result: { action: "accept", content: { username, email: `${username}@example.com` } },
  });

async function post(url: string, session: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/**
 * Calls test_elicitation on `callUrl`, answers the elicitation on `answerUrl` (after a wrong-id answer
 * there, which must be refused), and returns the tool's text and the elicitation request's id.
 */
async function elicitAndAnswer(
  callUrl: string,
  answerUrl: string,
  session: string,
  callId: number,
  username: string,
): Promise<{ text: string; elicitationId: unknown }> {
  const call = await fetch(callUrl, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: callId,
      method: "tools/call",
      params: { name: "test_elicitation", arguments: { message: "Who are you?" } },
    }),
  });
  expect(call.headers.get("content-type")).toStartWith("text/event-stream");
  let asked: (id: unknown) => void = () => undefined;
  const elicitation = new Promise<unknown>((resolve) => {
    asked = resolve;
  });
  const events = readEvents(call.body as ReadableStream<Uint8Array>, (event) => {
    if (!event.data) return false;
    const message = JSON.parse(event.data) as { id?: unknown; method?: string };
    if (message.method === "elicitation/create") asked(message.id);
    return message.id === callId && message.method === undefined;
  });
  const elicitationId = await elicitation;
  const wrongId = await post(
    answerUrl,
    session,
    answerTo(`${JSON.stringify(elicitationId)}-other`, "mallory"),
  );
  expect(wrongId.status).toBe(400);
  expect((await post(answerUrl, session, answerTo(elicitationId, username))).status).toBe(202);
  const messages = (await events).filter((event) => event.data).map((event) => JSON.parse(event.data));
  const result = messages.find((message) => message.id === callId && message.method === undefined);
  return { text: result?.result.content[0].text ?? "", elicitationId };
}

describe.each(["sqlite", "postgres"] as const)(
  "client answers relayed between instances on %s",
  (dialect) => {
    let a: RunningServer;
    let b: RunningServer;
    let databaseUrl = "";

    beforeAll(async () => {
      databaseUrl =
        dialect === "sqlite"
          ? `sqlite://${join(tempDir("relay-"), "shared.sqlite")}`
          : await createTestDatabase("relay");
      const env: Record<string, string> = { DATABASE_URL: databaseUrl };
      a = await startFixture(env);
      b = await startFixture(env);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    /** Rows the relay holds for `session` (open slots and parked answers). */
    async function relayRows(session: string): Promise<number> {
      const db =
        dialect === "sqlite"
          ? new SQL({ adapter: "sqlite", filename: databaseUrl.slice("sqlite://".length), readonly: true })
          : new SQL(databaseUrl);
      try {
        const rows =
          (await db`SELECT count(*) AS n FROM mcp_client_responses WHERE session_id = ${session}`) as {
            n: number | string;
          }[];
        return Number(rows[0]?.n);
      } finally {
        await db.close();
      }
    }

    test("an answer to the outstanding request is relayed once; unasked, wrong-id and repeated answers are refused", async () => {
      const session = await openSession(a.url);
      // Nothing is outstanding yet: a response-shaped POST is refused on either instance.
      for (const url of [a.url, b.url]) {
        const unasked = await post(url, session, answerTo(0, "mallory"));
        expect(unasked.status).toBe(400);
        expect(unasked.text).toContain("no request with id 0 is waiting");
      }
      // Answered through the other instance (parked in the database), then on the asking one itself.
      const relayed = await elicitAndAnswer(a.url, b.url, session, 1, "ann");
      expect(relayed.text).toContain('"username":"ann"');
      const local = await elicitAndAnswer(a.url, a.url, session, 2, "bob");
      expect(local.text).toContain('"username":"bob"');
      // Answered: the same answers again are refused wherever they land.
      for (const { elicitationId } of [relayed, local]) {
        for (const url of [b.url, a.url])
          expect((await post(url, session, answerTo(elicitationId, "ann"))).status).toBe(400);
      }

      expect(await relayRows(session)).toBe(0);
    }, 30_000);
  },
);
