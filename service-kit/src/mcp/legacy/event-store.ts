/**
 * Resumable SSE streams (MCP 2025-11-25, SEP-1699) with the events kept in the service database, so a
 * client that lost its stream can reconnect with `Last-Event-ID` to any instance and get what it missed.
 *
 * The SDK transport calls `storeEvent` for every SSE message and `replayEventsAfter` on a resume. When
 * the request that feeds a stream still runs on another instance, this instance's transport will never
 * produce the rest of the stream, so the store tails the table until the JSON-RPC response arrives and
 * then closes the stream (stream-tails.ts bounds what tails cost). A stream that was already answered
 * is never tailed: the resume gets the stored events and the stream closes.
 */
import type { EventStore, JSONRPCMessage } from "@modelcontextprotocol/server";
import type { Database } from "../../db.ts";
import type { Migration } from "../../migrate.ts";
import { ClientResponseRelay, relayMigrations } from "./client-response-relay.ts";
import { type StreamTailOptions, type StreamTailStats, StreamTails } from "./stream-tails.ts";

export const eventMigrations: readonly Migration[] = [
  ...relayMigrations,
  {
    id: "000_kit_mcp_events",
    sql: `CREATE TABLE IF NOT EXISTS mcp_events (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  message TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS mcp_events_stream ON mcp_events (session_id, stream_id, seq);
CREATE INDEX IF NOT EXISTS mcp_events_created ON mcp_events (created_at);`,
  },
];

/** What a session's event store may know about its transport's open streams. */
export interface StreamBinding {
  sessionId(): string | undefined;
  isStreamOpen(streamId: string): boolean;
  closeStream(streamId: string): void;
  /**
   * Keeps a resumed stream open although no request of this transport feeds it (SDK v2 closes such a
   * stream right after the replay); returns the release.
   */
  holdStream?(streamId: string): () => void;
  /** Lets the transport relay client answers through the database (client-response-relay.ts). */
  useRelay?(relay: ClientResponseRelay): void;
}

export interface EventStoreOptions extends Omit<StreamTailOptions, "timeoutMs"> {
  /** Longest a resumed stream waits for another instance's answer before the client must resume again. */
  tailTimeoutMs?: number;
}

interface EventRow {
  id: string;
  session_id: string;
  stream_id: string;
  seq: number | string;
  message: string;
}

/** Events older than this are pruned: a client that has been away longer starts its call again. */
export const EVENT_TTL_MS = 15 * 60_000;

/** The SDK's stream for GET requests; its events are notifications, never a final response. */
const STANDALONE_STREAM = "_GET_stream";

export class DatabaseEventStore {
  private lastSeq = 0;
  private readonly tails: StreamTails;
  private readonly relay: ClientResponseRelay;

  constructor(
    private readonly db: Database,
    options: EventStoreOptions = {},
  ) {
    const { tailTimeoutMs, ...tailOptions } = options;
    this.tails = new StreamTails({
      ...tailOptions,
      ...(tailTimeoutMs !== undefined ? { timeoutMs: tailTimeoutMs } : {}),
    });
    this.relay = new ClientResponseRelay(db);
  }

  /** What tailing resumed streams has cost on this instance so far. */
  get tailStats(): StreamTailStats {
    return this.tails.stats;
  }

  /** An EventStore for one session's transport; events of other sessions are never visible to it. */
  forSession(binding: StreamBinding): EventStore {
    // Streams whose request runs in this process: the SDK delivers their later events itself.
    const localStreams = new Set<string>();
    binding.useRelay?.(this.relay);
    return {
      storeEvent: async (streamId, message) => {
        const sessionId = binding.sessionId() ?? "";
        const seq = this.nextSeq();
        const id = `${seq.toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
        await this.db.write(
          (sql) => sql`INSERT INTO mcp_events (id, session_id, stream_id, seq, message, created_at)
          VALUES (${id}, ${sessionId}, ${streamId}, ${seq}, ${JSON.stringify(message)}, ${Date.now()})`,
        );
        if (isResponse(message)) localStreams.delete(streamId);
        else localStreams.add(streamId);
        return id;
      },
      getStreamIdForEventId: async (eventId) => (await this.find(eventId, binding))?.stream_id,
      replayEventsAfter: async (lastEventId, { send }) => {
        const from = await this.find(lastEventId, binding);
        if (!from)
          throw new Error(`Unknown event id ${lastEventId}: it expired or belongs to another session.`);
        const streamId = from.stream_id;
        let seq = Number(from.seq);
        // The client may resume from the answer itself: nothing follows it, and nothing will.
        let answered = isResponse(JSON.parse(from.message));
        for (const row of await this.eventsAfter(from.session_id, streamId, seq)) {
          seq = Number(row.seq);
          const message = JSON.parse(row.message) as JSONRPCMessage | Record<string, never>;
          if (!isMessage(message)) continue;
          await send(row.id, message);
          answered ||= isResponse(message);
        }
        if (streamId === STANDALONE_STREAM || localStreams.has(streamId)) return streamId;
        // An answered stream, or one over the session's tail cap, gets its stored events only: the SDK
        // closes a resumed stream that no request of its transport feeds once the replay returns.
        if (!answered) this.tail(binding, from.session_id, streamId, seq, send);
        return streamId;
      },
    };
  }

  /** Deletes events older than `cutoff` (epoch ms); returns how many went. */
  async prune(cutoff: number): Promise<number> {
    const result = await this.db.write((sql) => sql`DELETE FROM mcp_events WHERE created_at < ${cutoff}`);
    await this.relay.prune(cutoff);
    return result.count ?? 0;
  }

  async forgetSession(sessionId: string): Promise<void> {
    await this.db.write((sql) => sql`DELETE FROM mcp_events WHERE session_id = ${sessionId}`);
  }

  async count(): Promise<number> {
    const rows = (await this.db.sql`SELECT count(*) AS n FROM mcp_events`) as { n: number | string }[];
    return Number(rows[0]?.n ?? 0);
  }

  /** Resolves when every resumed stream that tails the table has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    await this.tails.idle();
  }

  private nextSeq(): number {
    // Milliseconds × 1000 keeps ids ordered across instances; the counter orders events within a millisecond.
    this.lastSeq = Math.max(this.lastSeq + 1, Date.now() * 1000);
    return this.lastSeq;
  }

  private async find(eventId: string, binding: StreamBinding): Promise<EventRow | undefined> {
    const sessionId = binding.sessionId() ?? "";
    const rows = (await this.db
      .sql`SELECT * FROM mcp_events WHERE id = ${eventId} AND session_id = ${sessionId}`) as EventRow[];
    return rows[0];
  }

  private async eventsAfter(sessionId: string, streamId: string, seq: number): Promise<EventRow[]> {
    return (await this.db.sql`SELECT * FROM mcp_events
      WHERE session_id = ${sessionId} AND stream_id = ${streamId} AND seq > ${seq} ORDER BY seq`) as EventRow[];
  }

  /** Follows a stream another instance still feeds; false when the session has too many tails here. */
  private tail(
    binding: StreamBinding,
    sessionId: string,
    streamId: string,
    afterSeq: number,
    send: (eventId: string, message: JSONRPCMessage) => Promise<void>,
  ): boolean {
    let seq = afterSeq;
    // Held before replayEventsAfter returns, which is when the SDK decides whether to keep the stream.
    const release = binding.holdStream?.(streamId);
    const started = this.tails.start({
      sessionId,
      streamId,
      done: () => release?.(),
      isOpen: () => binding.isStreamOpen(streamId),
      close: () => binding.closeStream(streamId),
      poll: async () => {
        let received = 0;
        for (const row of await this.eventsAfter(sessionId, streamId, seq)) {
          seq = Number(row.seq);
          received++;
          const message = JSON.parse(row.message) as JSONRPCMessage | Record<string, never>;
          if (!isMessage(message)) continue;
          await send(row.id, message);
          if (isResponse(message)) return { received, answered: true };
        }
        return { received, answered: false };
      },
    });
    if (!started) release?.();
    return started;
  }
}

function isMessage(message: JSONRPCMessage | Record<string, never>): message is JSONRPCMessage {
  // Priming events are stored as {} and carry no message.
  return "jsonrpc" in message;
}

function isResponse(message: unknown): boolean {
  const value = message as { id?: unknown; result?: unknown; error?: unknown; method?: unknown };
  return value.id !== undefined && value.method === undefined && ("result" in value || "error" in value);
}
