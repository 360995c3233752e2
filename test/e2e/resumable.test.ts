/**
 * Resumable streams at the HTTP level: a tool call that reports progress is cut in the middle (fetch +
 * AbortController), and the client resumes with GET + Last-Event-ID, on the same instance and on another
 * instance that shares the database. Nothing may be lost or repeated.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type RunningServer, startFixture } from "../../scripts/conformance.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { tempDir } from "../support/service-process.ts";
import { readEvents, type SseEvent } from "../support/sse.ts";

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

async function initialize(url: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "resume-test", version: "1" },
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

const progressOf = (event: SseEvent): number | undefined => {
  if (!event.data) return undefined;
  const message = JSON.parse(event.data) as { method?: string; params?: { progress?: number } };
  return message.method === "notifications/progress" ? message.params?.progress : undefined;
};
const resultOf = (event: SseEvent): { counted?: number } | undefined => {
  if (!event.data) return undefined;
  const message = JSON.parse(event.data) as {
    id?: number;
    result?: { structuredContent?: { counted?: number } };
  };
  return message.id === 7 ? (message.result?.structuredContent ?? {}) : undefined;
};

/** Starts slow_count on `callUrl`, cuts the stream after `cutAfter` progress events, resumes on `resumeUrl`. */
async function cutAndResume(callUrl: string, resumeUrl: string, session: string, cutAfter: number) {
  const steps = 12;
  const abort = new AbortController();
  const call = await fetch(callUrl, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session },
    signal: abort.signal,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "slow_count", arguments: { steps, delay_ms: 60 }, _meta: { progressToken: "p1" } },
    }),
  });
  expect(call.headers.get("content-type")).toStartWith("text/event-stream");
  const before = await readEvents(call.body as ReadableStream<Uint8Array>, (_event, all) => {
    return all.filter((seen) => progressOf(seen) !== undefined).length >= cutAfter;
  });
  abort.abort();
  const lastEventId = before.at(-1)?.id;
  expect(lastEventId).toBeString();

  const resumed = await fetch(resumeUrl, {
    method: "GET",
    headers: {
      accept: "text/event-stream",
      "mcp-session-id": session,
      "mcp-protocol-version": "2025-11-25",
      "last-event-id": lastEventId as string,
    },
  });
  expect(resumed.status).toBe(200);
  const after = await readEvents(
    resumed.body as ReadableStream<Uint8Array>,
    (event) => resultOf(event) !== undefined,
  );
  return { steps, before, after };
}

describe.each(["sqlite", "postgres"] as const)("resumable tool-call streams on %s", (dialect) => {
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    // Two instances on one database: the second knows the session and its events only from there.
    const env: Record<string, string> =
      dialect === "sqlite"
        ? { DATABASE_URL: `sqlite://${join(tempDir("resumable-"), "shared.sqlite")}` }
        : { DATABASE_URL: await createTestDatabase("resumable"), DATABASE_SCHEMA: "fixture" };
    a = await startFixture(env);
    b = await startFixture(env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test("a call that streams (progress asked for) opens with a priming event that carries an id and a retry interval", async () => {
    const session = await initialize(a.url);
    const response = await fetch(a.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": session },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "slow_count", arguments: { steps: 1, delay_ms: 1 }, _meta: { progressToken: "p0" } },
      }),
    });
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const events = await readEvents(
      response.body as ReadableStream<Uint8Array>,
      (event) => event.data !== "",
    );
    expect(events[0]).toEqual({ id: expect.any(String), retry: 1000, data: "" });
    expect(progressOf(events[1] as SseEvent)).toBe(1);
  });

  test("a call that sends nothing before its result is answered in JSON: no stream, nothing to resume", async () => {
    const session = await initialize(a.url);
    const response = await fetch(a.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": session },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.headers.get("content-type")).toStartWith("application/json");
    expect(((await response.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(
      0,
    );
  });

  for (const where of ["the same instance", "another instance"] as const) {
    test(`cut mid-call, resumed with Last-Event-ID on ${where}: every progress step once, then the result`, async () => {
      const session = await initialize(a.url);
      const resumeUrl = where === "the same instance" ? a.url : b.url;
      const { steps, before, after } = await cutAndResume(a.url, resumeUrl, session, 4);
      const progress = [...before, ...after].map(progressOf).filter((value) => value !== undefined);
      expect(progress).toEqual(Array.from({ length: steps }, (_, index) => index + 1));
      // The cut really happened mid-call: the first stream ended before the answer.
      expect(before.some((event) => resultOf(event) !== undefined)).toBe(false);
      expect(after.map(resultOf).find((value) => value !== undefined)).toEqual({ counted: steps });
      const ids = [...before, ...after].map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
    }, 30_000);
  }

  test("a Last-Event-ID from another session is refused and reveals nothing", async () => {
    const owner = await initialize(a.url);
    const { before } = await cutAndResume(a.url, a.url, owner, 2);
    const stranger = await initialize(a.url);
    const response = await fetch(b.url, {
      method: "GET",
      headers: {
        accept: "text/event-stream",
        "mcp-session-id": stranger,
        "mcp-protocol-version": "2025-11-25",
        "last-event-id": before[1]?.id as string,
      },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain("notifications/progress");
  }, 30_000);
});
