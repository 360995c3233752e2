/**
 * 2025-era resource subscriptions (`resources/subscribe`, `resources/unsubscribe`) that hear changes made
 * on any instance. A session's requests land on any instance, and so does its GET stream, so:
 * - what a session subscribed to is kept in the database (`mcp_subscriptions`, removed with the session
 *   by its foreign key), whichever instance the subscribe reached;
 * - every instance hears every change event (events/), and for the sessions whose GET stream is open
 *   here and whose principal the event concerns, asks the database which subscribed to the URI, and
 *   sends them `notifications/resources/updated` (or `notifications/resources/list_changed`) on it.
 *   The updates that arrive in one event-loop turn (a group commit's orders, a batch of NOTIFYs) share
 *   one lookup, sent at the end of that turn.
 * With the session's event store the notification is also stored, so a client that reconnects its GET
 * stream with Last-Event-ID, on any instance, gets what it missed. list_changed is paced per session
 * (list-changed-pacer.ts): a burst of changes is one notification.
 */
import { type McpServer, ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { DatabaseHandle } from "../../db.ts";
import type { ChangeBus } from "../../events/change-bus.ts";
import { type ChangeEvent, concerns } from "../../events/change-event.ts";
import type { Logger } from "../../log.ts";
import type { Migration } from "../../migrate.ts";
import { isStreamOpen } from "../sdk/internals.ts";
import { ListChangedPacer } from "./list-changed-pacer.ts";
import type { LiveSession } from "./live-sessions.ts";

export const subscriptionMigrations: readonly Migration[] = [
  {
    // Sorts after 000_kit_mcp_sessions, which it references.
    id: "000_kit_mcp_subscriptions",
    sql: `CREATE TABLE IF NOT EXISTS mcp_subscriptions (
  session_id TEXT NOT NULL REFERENCES mcp_sessions (id) ON DELETE CASCADE,
  uri TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (session_id, uri)
);
CREATE INDEX IF NOT EXISTS mcp_subscriptions_uri ON mcp_subscriptions (uri);`,
  },
];

/** The SDK's id for a session's GET stream, where notifications unrelated to a request go. */
const GET_STREAM = "_GET_stream";

export const DEFAULT_MAX_SUBSCRIPTIONS_PER_SESSION = 100;
const MAX_URI_LENGTH = 2048;

export const SUBSCRIBE_BUS_DOWN =
  "Live updates are unavailable right now: this instance lost its connection to the database's change " +
  "feed (restart or failover) and is reconnecting. Retry resources/subscribe in a few seconds.";

export interface ResourceSubscriptionsOptions {
  db: DatabaseHandle;
  bus: ChangeBus;
  log: Logger;
  maxPerSession?: number;
  /** Called with the number of notifications sent for one change (metrics). */
  onSent?: (count: number) => void;
  /**
   * The sessions this instance holds (only they can have a GET stream here). Asked per event rather
   * than tracked per server, so servers of requests without a session are never kept alive from here.
   */
  sessions: () => Iterable<[string, LiveSession]>;
}

export class ResourceSubscriptions {
  private readonly unsubscribe: () => void;
  private readonly listChanged = new ListChangedPacer();
  /** Resource updates of this event-loop turn, waiting for their one lookup (sendUpdates). */
  private updates: { uri: string; targets: StreamTarget[] }[] = [];
  private closed = false;

  constructor(private readonly options: ResourceSubscriptionsOptions) {
    this.unsubscribe = options.bus.subscribe((event) => this.deliver(event));
  }

  /**
   * Declares `resources.subscribe` and `resources.listChanged` on a server that has resources, and
   * answers (un)subscribe for its session. Call before the server connects.
   */
  attach(server: McpServer): void {
    const capabilities = server.server.getCapabilities();
    if (!capabilities.resources) return;
    server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
    server.server.setRequestHandler("resources/subscribe", async (request, ctx) => {
      await this.subscribe(ctx.sessionId, request.params.uri);
      return {};
    });
    server.server.setRequestHandler("resources/unsubscribe", async (request, ctx) => {
      const sessionId = requireSession(ctx.sessionId);
      await this.options.db.write(
        (sql) =>
          sql`DELETE FROM mcp_subscriptions WHERE session_id = ${sessionId} AND uri = ${request.params.uri}`,
      );
      return {};
    });
  }

  /** Sessions on this instance with their GET stream open (they can be told of changes now). */
  get openStreamCount(): number {
    return this.streams().length;
  }

  close(): void {
    this.closed = true;
    this.updates = [];
    this.unsubscribe();
    this.listChanged.close();
  }

  private async subscribe(sessionId: string | undefined, uri: string): Promise<void> {
    const session = requireSession(sessionId);
    if (uri.length === 0 || uri.length > MAX_URI_LENGTH) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `The uri must be 1 to ${MAX_URI_LENGTH} characters long; use a uri from resources/list or resources/templates/list.`,
      );
    }
    if (this.options.bus.state === "down")
      throw new ProtocolError(ProtocolErrorCode.InternalError, SUBSCRIBE_BUS_DOWN);
    const max = this.options.maxPerSession ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_SESSION;
    await this.options.db.write(async (sql) => {
      const rows = (await sql`SELECT count(*) AS n FROM mcp_subscriptions
        WHERE session_id = ${session} AND uri <> ${uri}`) as { n: number | string }[];
      if (Number(rows[0]?.n ?? 0) >= max) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          `This session already subscribes to ${max} resources, the most one session may. ` +
            "Unsubscribe from some with resources/unsubscribe first.",
        );
      }
      await sql`INSERT INTO mcp_subscriptions (session_id, uri, created_at)
        VALUES (${session}, ${uri}, ${Date.now()}) ON CONFLICT DO NOTHING`;
    });
  }

  private streams(): StreamTarget[] {
    const open: StreamTarget[] = [];
    for (const [sessionId, session] of this.options.sessions()) {
      if (isStreamOpen(session.transport, GET_STREAM)) open.push({ session, sessionId });
    }
    return open;
  }

  /** For each of `sessionIds`, which of `uris` it subscribed to (sessions with none are left out). */
  private async subscriptionsAmong(uris: string[], sessionIds: string[]): Promise<Map<string, Set<string>>> {
    const { sql } = this.options.db;
    const subscribed = new Map<string, Set<string>>();
    for (let uriStart = 0; uriStart < uris.length; uriStart += URIS_PER_QUERY) {
      const someUris = uris.slice(uriStart, uriStart + URIS_PER_QUERY);
      for (let start = 0; start < sessionIds.length; start += IDS_PER_QUERY) {
        const ids = sessionIds.slice(start, start + IDS_PER_QUERY);
        const rows = (await sql`SELECT session_id, uri FROM mcp_subscriptions
          WHERE uri IN ${sql(someUris)} AND session_id IN ${sql(ids)}`) as {
          session_id: string;
          uri: string;
        }[];
        for (const row of rows) {
          const ofSession = subscribed.get(row.session_id);
          if (ofSession) ofSession.add(row.uri);
          else subscribed.set(row.session_id, new Set([row.uri]));
        }
      }
    }
    return subscribed;
  }

  private deliver(event: ChangeEvent): void {
    if (this.closed) return;
    const targets = this.streams().filter(({ session }) => concerns(event, session.principal));
    if (targets.length === 0) return;
    if (event.kind === "resources_list_changed") {
      for (const { session } of targets) {
        this.listChanged.changed(session, () => void this.sendListChanged(session));
      }
      return;
    }
    // Each order placed changes a resource: one lookup a turn for all of them, not one each.
    this.updates.push({ uri: event.uri, targets });
    if (this.updates.length === 1) setImmediate(() => this.sendUpdates());
  }

  /** The resource updates that arrived in one event-loop turn, to the sessions that subscribed. */
  private sendUpdates(): void {
    const updates = this.updates;
    this.updates = [];
    if (this.closed || updates.length === 0) return;
    const uris = [...new Set(updates.map(({ uri }) => uri))];
    const sessionIds = [
      ...new Set(updates.flatMap(({ targets }) => targets.map(({ sessionId }) => sessionId))),
    ];
    void this.subscriptionsAmong(uris, sessionIds)
      .then(async (subscribed) => {
        const sends: Promise<void>[] = [];
        for (const { uri, targets } of updates) {
          for (const { session, sessionId } of targets) {
            if (subscribed.get(sessionId)?.has(uri))
              sends.push(session.server.server.sendResourceUpdated({ uri }));
          }
        }
        const sent = (await Promise.allSettled(sends)).filter(
          (result) => result.status === "fulfilled",
        ).length;
        if (sent > 0) this.options.onSent?.(sent);
      })
      .catch((error) =>
        this.options.log.warn("live updates not delivered to 2025 sessions", {
          uris: uris.length,
          firstUri: uris[0],
          error: String(error),
        }),
      );
  }

  /** One list_changed, if the session's GET stream is still open (a paced one is sent later). */
  private async sendListChanged(session: LiveSession): Promise<void> {
    if (!isStreamOpen(session.transport, GET_STREAM)) return;
    try {
      await session.server.server.sendResourceListChanged();
      this.options.onSent?.(1);
    } catch (error) {
      this.options.log.debug("list_changed not delivered to a 2025 session", { error: String(error) });
    }
  }
}

/** Session ids and URIs per lookup: together far below SQLite's and PostgreSQL's limits on bound parameters. */
const IDS_PER_QUERY = 500;
const URIS_PER_QUERY = 100;

/** A session of this instance whose GET stream is open. */
interface StreamTarget {
  session: LiveSession;
  sessionId: string;
}

function requireSession(sessionId: string | undefined): string {
  if (sessionId) return sessionId;
  throw new ProtocolError(
    ProtocolErrorCode.InvalidRequest,
    "Resource subscriptions need a session: send initialize first and repeat this request with its Mcp-Session-Id header.",
  );
}
