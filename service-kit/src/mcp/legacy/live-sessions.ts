/**
 * The sessions this instance holds in memory, checked against the database (the truth): a session
 * deleted or expired anywhere is gone here too, and one made on another instance is rebuilt here on
 * first use. A held session's row is read on every request, except while the change bus vouches that
 * every session ending reaches this instance (PostgreSQL; see events/session-endings.ts): then what
 * the last read or touch saw stands, and an ending drops the session when its notice arrives.
 */
import type { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Principal } from "../../auth/principal.ts";
import type { SessionEndings } from "../../events/session-endings.ts";
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
  /** The row's last-seen time as last read or written here, and the bus's mark from before that read. */
  known?: { mark: number; lastSeenAt: number };
}

export interface LiveSessionsOptions {
  store: SessionStore;
  log: Logger;
  ttlMs: number;
  /** Builds transport and server for a session that another instance initialized. */
  rebuild(record: SessionRecord, principal: Principal): Promise<LiveSession>;
  /** Session endings from every instance; without them every request reads its session's row. */
  endings?: SessionEndings;
}

export class LiveSessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly rebuilding = new Map<string, Promise<LiveSession>>();

  private readonly stopHearingEndings: (() => void) | undefined;

  constructor(private readonly options: LiveSessionsOptions) {
    this.stopHearingEndings = options.endings?.onEnd((id) => this.drop(id));
  }

  get size(): number {
    return this.live.size;
  }

  /** The sessions held here now (live updates look for their GET streams). */
  entries(): IterableIterator<[string, LiveSession]> {
    return this.live.entries();
  }

  /** A session initialized here, its row just written (last seen `session.lastTouchedAt`). */
  add(id: string, session: LiveSession): void {
    const mark = this.options.endings?.vouch();
    if (mark !== undefined) session.known = { mark, lastSeenAt: session.lastTouchedAt };
    this.live.set(id, session);
  }

  /** Finds a session for this caller, rebuilding it from the database if another instance made it. */
  async resolve(id: string, principal: Principal): Promise<LiveSession | undefined> {
    const { store, ttlMs } = this.options;
    const now = Date.now();
    const held = this.live.get(id);
    const record: SessionLiveness | SessionRecord | undefined =
      (held && this.vouchedLiveness(held, now)) ?? (await this.read(id, held));
    if (!record || now - record.lastSeenAt > ttlMs) {
      if (record) await store.delete(id, this.options.endings);
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
    if (now - record.lastSeenAt > ttlMs / 10 && !(await this.touch(id, session, now))) {
      // The row went without a notice (removed by hand): the session is over here too.
      this.drop(id);
      return undefined;
    }
    session.lastTouchedAt = now;
    // Scopes are re-derived from each request's credentials, so a narrowed key narrows tools/list too.
    applyToolScopes(session.server, principal);
    applyPromptScopes(session.server, principal);
    return session;
  }

  /** What this instance knows of a held session's row, when the bus vouches nothing ended it since. */
  private vouchedLiveness(held: LiveSession, now: number): SessionLiveness | undefined {
    const known = held.known;
    if (!known || !this.options.endings?.stillVouched(known.mark)) return undefined;
    // Expired as far as this instance knows: the row tells, as another instance may have seen it since.
    if (now - known.lastSeenAt > this.options.ttlMs) return undefined;
    return { principal: held.principal, lastSeenAt: known.lastSeenAt };
  }

  /**
   * The row: its liveness for a held session, the full record to rebuild one. The mark is taken
   * before the read, so an ending announced while it runs is not vouched away. A rebuilt session
   * starts unvouched (an ending may have arrived before it was held), and its next request reads.
   */
  private async read(
    id: string,
    held: LiveSession | undefined,
  ): Promise<SessionLiveness | SessionRecord | undefined> {
    const { store, endings } = this.options;
    if (!held) return store.get(id);
    const mark = endings?.vouch();
    const record = await store.liveness(id);
    if (record && mark !== undefined) held.known = { mark, lastSeenAt: record.lastSeenAt };
    return record;
  }

  private async touch(id: string, session: LiveSession, now: number): Promise<boolean> {
    const there = await this.options.store.touch(id, now);
    if (there && session.known) session.known.lastSeenAt = now;
    return there;
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
        if (!(await this.touch(id, session, now))) this.drop(id);
      } else if (session.lastTouchedAt < cutoff) {
        this.drop(id);
      }
    }
    const removed = await this.options.store.deleteIdleSince(cutoff);
    if (removed > 0) this.options.log.info("expired idle MCP sessions", { removed });
  }

  /** Closes this instance's transports; sessions stay in the database for the other instances. */
  async closeAll(): Promise<void> {
    this.stopHearingEndings?.();
    const sessions = [...this.live.values()];
    this.live.clear();
    await Promise.all(sessions.map((session) => session.server.close().catch(() => undefined)));
  }
}

function isFullRecord(record: SessionLiveness | SessionRecord): record is SessionRecord {
  return "clientInfo" in record;
}
