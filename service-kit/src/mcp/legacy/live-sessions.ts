/**
 * The sessions this instance holds in memory, checked against the database (the truth) on every
 * request: a session deleted or expired anywhere is gone here too, and one made on another instance
 * is rebuilt here on first use.
 */
import type { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Principal } from "../../auth/principal.ts";
import type { Logger } from "../../log.ts";
import { applyPromptScopes } from "../prompt-scopes.ts";
import { openStreamCount } from "../sdk/internals.ts";
import { applyToolScopes } from "../tools.ts";
import type { SessionLiveness, SessionRecord, SessionStore } from "./session-store.ts";

export interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  principal: string;
  lastTouchedAt: number;
  protocolVersion: string;
}

export interface LiveSessionsOptions {
  store: SessionStore;
  log: Logger;
  ttlMs: number;
  /** Builds transport and server for a session that another instance initialized. */
  rebuild(record: SessionRecord, principal: Principal): Promise<LiveSession>;
}

export class LiveSessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly rebuilding = new Map<string, Promise<LiveSession>>();

  constructor(private readonly options: LiveSessionsOptions) {}

  get size(): number {
    return this.live.size;
  }

  /** The sessions held here now (live updates look for their GET streams). */
  entries(): IterableIterator<[string, LiveSession]> {
    return this.live.entries();
  }

  add(id: string, session: LiveSession): void {
    this.live.set(id, session);
  }

  /** Finds a session for this caller, rebuilding it from the database if another instance made it. */
  async resolve(id: string, principal: Principal): Promise<LiveSession | undefined> {
    const { store, ttlMs } = this.options;
    // The row is read on every request (a DELETE on any instance ends the session everywhere); its
    // full record only when the session has to be rebuilt here.
    const record: SessionLiveness | SessionRecord | undefined = this.live.has(id)
      ? await store.liveness(id)
      : await store.get(id);
    const now = Date.now();
    if (!record || now - record.lastSeenAt > ttlMs) {
      if (record) await store.delete(id);
      this.drop(id);
      return undefined;
    }
    // Another caller's session id is answered exactly like an unknown one.
    if (record.principal !== principal.id) return undefined;
    let session = this.live.get(id);
    if (!session) {
      // Dropped here while the row was read: the full record, read again, rebuilds it.
      const full = isFullRecord(record) ? record : await store.get(id);
      if (!full) return undefined;
      let pending = this.rebuilding.get(id);
      if (!pending) {
        pending = this.options
          .rebuild(full, principal)
          .then((rebuilt) => {
            this.live.set(id, rebuilt);
            this.options.log.debug("session rebuilt from database", { session: id });
            return rebuilt;
          })
          .finally(() => this.rebuilding.delete(id));
        this.rebuilding.set(id, pending);
      }
      session = await pending;
    }
    if (now - record.lastSeenAt > ttlMs / 10) await store.touch(id, now);
    session.lastTouchedAt = now;
    // Scopes are re-derived from each request's credentials, so a narrowed key narrows tools/list too.
    applyToolScopes(session.server, principal);
    applyPromptScopes(session.server, principal);
    return session;
  }

  drop(id: string): void {
    const session = this.live.get(id);
    if (!session) return;
    this.live.delete(id);
    void session.server.close().catch(() => undefined);
  }

  /** Forgets idle sessions here and in the database; open streams count as activity. */
  async sweep(now: number = Date.now()): Promise<void> {
    const cutoff = now - this.options.ttlMs;
    for (const [id, session] of this.live) {
      if (openStreamCount(session.transport) > 0) {
        session.lastTouchedAt = now;
        await this.options.store.touch(id, now);
      } else if (session.lastTouchedAt < cutoff) {
        this.drop(id);
      }
    }
    const removed = await this.options.store.deleteIdleSince(cutoff);
    if (removed > 0) this.options.log.info("expired idle MCP sessions", { removed });
  }

  /** Closes this instance's transports; sessions stay in the database for the other instances. */
  async closeAll(): Promise<void> {
    const sessions = [...this.live.values()];
    this.live.clear();
    await Promise.all(sessions.map((session) => session.server.close().catch(() => undefined)));
  }
}

function isFullRecord(record: SessionLiveness | SessionRecord): record is SessionRecord {
  return "clientInfo" in record;
}
