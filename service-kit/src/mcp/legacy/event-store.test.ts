import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { type Database, openDatabase } from "../../db.ts";
import { migrate } from "../../migrate.ts";
import { DatabaseEventStore, eventMigrations, type StreamBinding } from "./event-store.ts";

let db: Database;
beforeEach(async () => {
  db = await openDatabase(`sqlite://${join(mkdtempSync(join(tmpdir(), "kit-events-")), "events.sqlite")}`);
  await migrate(db, eventMigrations);
});
afterEach(async () => {
  await db.close();
});

class FakeTransportStreams implements StreamBinding {
  readonly open = new Set<string>();
  readonly closed: string[] = [];
  /** Streams kept open for a tail now; the SDK closes a resumed stream nobody holds after the replay. */
  readonly held = new Set<string>();
  readonly everHeld: string[] = [];
  constructor(private readonly session: string) {}
  sessionId(): string {
    return this.session;
  }
  isStreamOpen(streamId: string): boolean {
    return this.open.has(streamId);
  }
  closeStream(streamId: string): void {
    this.open.delete(streamId);
    this.closed.push(streamId);
  }
  holdStream(streamId: string): () => void {
    this.held.add(streamId);
    this.everHeld.push(streamId);
    return () => this.held.delete(streamId);
  }
}

const progress = (n: number): JSONRPCMessage => ({
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progressToken: "t", progress: n },
});
const answer: JSONRPCMessage = { jsonrpc: "2.0", id: 9, result: { content: [] } };

async function replay(store: ReturnType<DatabaseEventStore["forSession"]>, after: string) {
  const sent: { id: string; message: JSONRPCMessage }[] = [];
  const streamId = await store.replayEventsAfter(after, {
    send: async (id, message) => {
      sent.push({ id, message });
    },
  });
  return { streamId, sent };
}

describe("DatabaseEventStore", () => {
  test("replays the events after an id, in order, for that stream only, without the priming event", async () => {
    const events = new DatabaseEventStore(db);
    const store = events.forSession(new FakeTransportStreams("s1"));
    const priming = await store.storeEvent("stream-a", {} as JSONRPCMessage);
    const first = await store.storeEvent("stream-a", progress(1));
    await store.storeEvent("stream-b", progress(100));
    await store.storeEvent("stream-a", progress(2));
    await store.storeEvent("stream-a", answer);

    const fromPriming = await replay(store, priming);
    expect(fromPriming.streamId).toBe("stream-a");
    expect(fromPriming.sent.map((event) => event.message)).toEqual([progress(1), progress(2), answer]);
    const fromFirst = await replay(store, first);
    expect(fromFirst.sent.map((event) => event.message)).toEqual([progress(2), answer]);
    expect(await store.getStreamIdForEventId?.(first)).toBe("stream-a");
    await events.idle();
  });

  test("another session cannot resolve or replay this session's event ids", async () => {
    const events = new DatabaseEventStore(db);
    const mine = events.forSession(new FakeTransportStreams("mine"));
    const id = await mine.storeEvent("stream-a", progress(1));
    const theirs = events.forSession(new FakeTransportStreams("theirs"));
    expect(await theirs.getStreamIdForEventId?.(id)).toBeUndefined();
    await expect(replay(theirs, id)).rejects.toThrow(/another session/);
  });

  test("a resume on an instance that does not run the call tails the table until the answer, then closes", async () => {
    // Instance A runs the call and writes; instance B (its own store, same database) serves the resume.
    const writer = new DatabaseEventStore(db).forSession(new FakeTransportStreams("s1"));
    const last = await writer.storeEvent("stream-a", progress(1));
    const streams = new FakeTransportStreams("s1");
    streams.open.add("stream-a");
    const reader = new DatabaseEventStore(db, { pollMs: 10 });
    const resumed = await replay(reader.forSession(streams), last);
    expect(resumed.sent).toEqual([]);
    await writer.storeEvent("stream-a", progress(2));
    await writer.storeEvent("stream-a", answer);
    await reader.idle();
    expect(resumed.sent.map((event) => event.message)).toEqual([progress(2), answer]);
    expect(streams.closed).toEqual(["stream-a"]);
  });

  test("a resume of a call running here is left to the transport, and a tail gives up after its timeout", async () => {
    const events = new DatabaseEventStore(db, { pollMs: 10, tailTimeoutMs: 100 });
    const streams = new FakeTransportStreams("s1");
    streams.open.add("stream-a");
    const local = events.forSession(streams);
    const id = await local.storeEvent("stream-a", progress(1));
    await replay(local, id);
    await events.idle();
    expect(streams.closed).toEqual([]);

    const elsewhere = new DatabaseEventStore(db, { pollMs: 10, tailTimeoutMs: 100 });
    const started = Date.now();
    await replay(elsewhere.forSession(streams), id);
    await elsewhere.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(streams.closed).toEqual(["stream-a"]);
  });

  test("a resume from an answered stream gets the stored events and a closed stream, and starts no tail", async () => {
    const writer = new DatabaseEventStore(db).forSession(new FakeTransportStreams("s1"));
    const priming = await writer.storeEvent("stream-a", {} as JSONRPCMessage);
    const last = await writer.storeEvent("stream-a", answer);
    // Resumed on an instance that did not run the call, from the answer itself and from before it.
    const streams = new FakeTransportStreams("s1");
    streams.open.add("stream-a");
    const elsewhere = new DatabaseEventStore(db, { pollMs: 10 });
    const fromAnswer = await replay(elsewhere.forSession(streams), last);
    const fromPriming = await replay(elsewhere.forSession(streams), priming);
    expect(fromAnswer.sent).toEqual([]);
    expect(fromPriming.sent.map((event) => event.message)).toEqual([answer]);
    // Nothing holds the stream open, so the SDK closes it once the replay returns.
    expect(streams.everHeld).toEqual([]);
    expect(elsewhere.tailStats).toEqual({ active: 0, started: 0, refused: 0, polls: 0 });
  });

  test("tails are capped per session: a resume over the cap is replayed and closed", async () => {
    const writer = new DatabaseEventStore(db).forSession(new FakeTransportStreams("s1"));
    const other = new DatabaseEventStore(db).forSession(new FakeTransportStreams("s2"));
    const ids = [];
    for (const stream of ["a", "b", "c"]) ids.push(await writer.storeEvent(stream, progress(1)));
    const theirs = await other.storeEvent("a", progress(1));
    const streams = new FakeTransportStreams("s1");
    const others = new FakeTransportStreams("s2");
    for (const stream of ["a", "b", "c"]) streams.open.add(stream);
    others.open.add("a");
    const elsewhere = new DatabaseEventStore(db, { pollMs: 10, tailTimeoutMs: 300, maxPerSession: 2 });
    for (const id of ids) await replay(elsewhere.forSession(streams), id);
    await replay(elsewhere.forSession(others), theirs);
    // "c" is over the cap: not held, so the SDK closes it after the replay; s2 has its own cap.
    expect([...streams.held]).toEqual(["a", "b"]);
    expect([...others.held]).toEqual(["a"]);
    expect(elsewhere.tailStats).toMatchObject({ active: 3, started: 3, refused: 1 });
    await elsewhere.idle();
    expect(elsewhere.tailStats.active).toBe(0);
    expect(streams.held.size + others.held.size).toBe(0);
  });

  test("a tail that waits in vain polls less and less often", async () => {
    const writer = new DatabaseEventStore(db).forSession(new FakeTransportStreams("s1"));
    const id = await writer.storeEvent("stream-a", progress(1));
    const streams = new FakeTransportStreams("s1");
    streams.open.add("stream-a");
    // Every 10 ms for 600 ms would be 60 polls; doubling up to 80 ms makes it about 10.
    const elsewhere = new DatabaseEventStore(db, { pollMs: 10, maxPollMs: 80, tailTimeoutMs: 600 });
    await replay(elsewhere.forSession(streams), id);
    await elsewhere.idle();
    expect(elsewhere.tailStats.polls).toBeGreaterThanOrEqual(2);
    expect(elsewhere.tailStats.polls).toBeLessThanOrEqual(14);
    expect(streams.closed).toEqual(["stream-a"]);
  });

  test("prune drops events older than the cutoff; forgetSession drops a closed session's events", async () => {
    const events = new DatabaseEventStore(db);
    const one = events.forSession(new FakeTransportStreams("one"));
    const two = events.forSession(new FakeTransportStreams("two"));
    await one.storeEvent("a", progress(1));
    await two.storeEvent("a", progress(1));
    await db.sql`UPDATE mcp_events SET created_at = 0 WHERE session_id = 'one'`;
    expect(await events.prune(Date.now() - 60_000)).toBe(1);
    expect(await events.count()).toBe(1);
    await events.forgetSession("two");
    expect(await events.count()).toBe(0);
  });
});
