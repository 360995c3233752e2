/**
 * The change bus on PostgreSQL, across instances: events published inside a write wait for its commit
 * (held-events.ts), then go out with NOTIFY in a batch of their own (postgres-notifier.ts says why not in
 * the write's transaction); every instance LISTENs on the service's channel and hands what arrives to
 * its listeners (its own events come back the same way, so there is one path for all of them).
 *
 * LISTEN uses Bun.SQL's `listen`, which keeps one dedicated connection and, when it drops (PostgreSQL
 * restart, Aurora failover), reconnects with exponential back-off and LISTENs again. Bun reports the
 * re-LISTEN but not the drop, so a heartbeat tells: every `heartbeatMs` the bus NOTIFYs a channel of
 * this instance and expects to hear itself within the next period. A missed heartbeat (or a failed one)
 * puts the bus `down`; the next re-LISTEN or heard heartbeat puts it `up` again. While it is down, open
 * streams stay open (they hear nothing, as nothing can change without the database) and the kit refuses
 * new listeners with a clear error.
 */
import type { SQL } from "bun";
import type { Database } from "../db.ts";
import type { Logger } from "../log.ts";
import {
  type BusState,
  type ChangeBus,
  type ChangeListener,
  type ChangePublisher,
  Listeners,
} from "./change-bus.ts";
import { type ChangeEvent, decodeChange, encodeChange } from "./change-event.ts";
import { HeldEvents } from "./held-events.ts";
import { PostgresNotifier } from "./postgres-notifier.ts";
import { decodeSessionEnd, encodeSessionEnd } from "./session-endings.ts";

export interface PostgresBusOptions {
  /** The service's channel (change-event.ts `changeChannel`). */
  channel: string;
  /** How often the bus checks that it still hears PostgreSQL; a drop is noticed within two periods. */
  heartbeatMs?: number;
  log?: Logger;
}

export const DEFAULT_HEARTBEAT_MS = 2000;

/**
 * Publishes on `channel` with the write's own transaction, without listening: for a process that only
 * changes data now and then (the `seed` command) while the serving instances listen. Its one commit
 * may wait on the NOTIFY lock; serving instances use PostgresNotifier instead.
 */
export function notifyPublisher(sql: SQL, channel: string): ChangePublisher {
  const notify = async (on: SQL, events: readonly ChangeEvent[]): Promise<void> => {
    for (const event of events) await on`SELECT pg_notify(${channel}, ${encodeChange(event)})`;
  };
  return {
    publish: notify,
    publishCommitted: (events) => void notify(sql, events),
  };
}

interface Subscription {
  unlisten(): Promise<void>;
}

export class PostgresChangeBus implements ChangeBus {
  private current: BusState = "down";
  private readonly listeners: Listeners;
  private readonly heartbeatChannel: string;
  private subscriptions: Subscription[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The heartbeat sent last and not heard back yet. */
  private awaited: string | undefined;
  private closed = false;
  /**
   * Counts the moments this instance may have missed notifications: every (re-)LISTEN, and every
   * time the bus goes down. A session ending vouched for before one of them is no longer vouched.
   */
  private continuity = 0;
  private readonly held = new HeldEvents();
  private readonly notifier: PostgresNotifier;

  private constructor(
    private readonly sql: SQL,
    private readonly options: PostgresBusOptions,
  ) {
    this.listeners = new Listeners((error) =>
      options.log?.error("change listener failed", { error: String(error) }),
    );
    this.notifier = new PostgresNotifier(sql, options.channel, options.log);
    this.heartbeatChannel = `${options.channel.slice(0, 40)}_hb_${crypto.randomUUID().slice(0, 8)}`;
  }

  /** LISTENs on `options.channel` through `sql` (the service's pool); resolves once PostgreSQL acknowledged. */
  static async start(sql: SQL, options: PostgresBusOptions): Promise<PostgresChangeBus> {
    const bus = new PostgresChangeBus(sql, options);
    await bus.listen();
    return bus;
  }

  get state(): BusState {
    return this.current;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async publish(_tx: SQL, events: readonly ChangeEvent[]): Promise<void> {
    this.held.hold(events);
  }

  publishCommitted(events: readonly ChangeEvent[]): void {
    this.notifier.send(events);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    return this.listeners.addStateListener(listener);
  }

  /**
   * In the deleting write's own transaction, unlike change events (postgres-notifier.ts): sessions
   * end rarely, so the commit lock NOTIFY takes costs little, and an instance that dies right after
   * the commit still tells the others.
   */
  async announceEnd(tx: SQL, id: string): Promise<void> {
    await tx`SELECT pg_notify(${this.options.channel}, ${encodeSessionEnd(id)})`;
  }

  onEnd(listener: (id: string) => void): () => void {
    return this.listeners.addEndListener(listener);
  }

  vouch(): number | undefined {
    return this.current === "up" ? this.continuity : undefined;
  }

  stillVouched(mark: number): boolean {
    return this.current === "up" && this.continuity === mark;
  }

  track(db: Database): Database {
    return this.held.track(db, (events) => this.notifier.send(events));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.notifier.flush();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.allSettled(subscriptions.map((subscription) => subscription.unlisten()));
  }

  private async listen(): Promise<void> {
    const onListen = (): void => {
      // Bun LISTENs again by itself after a dropped connection: what was sent meanwhile is lost.
      this.continuity++;
      this.awaited = undefined;
      this.setState("up");
    };
    this.subscriptions.push(
      await this.sql.listen(this.options.channel, (payload) => this.receive(payload), onListen),
      await this.sql.listen(this.heartbeatChannel, (payload) => this.heard(payload)),
    );
    const period = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.timer = setInterval(() => void this.beat(), period);
    this.timer.unref?.();
  }

  private receive(payload: string): void {
    const ended = decodeSessionEnd(payload);
    if (ended !== undefined) {
      this.listeners.sessionEnded(ended);
      return;
    }
    const event = decodeChange(payload);
    if (!event) {
      this.options.log?.warn("ignored a malformed change event", { payload: payload.slice(0, 200) });
      return;
    }
    this.listeners.deliver(event);
  }

  private heard(payload: string): void {
    if (payload !== this.awaited) return;
    this.awaited = undefined;
    this.setState("up");
  }

  private async beat(): Promise<void> {
    if (this.closed) return;
    // The previous heartbeat never came back: this instance is not hearing PostgreSQL.
    if (this.awaited !== undefined) this.setState("down");
    const nonce = crypto.randomUUID();
    this.awaited = nonce;
    try {
      await this.sql`SELECT pg_notify(${this.heartbeatChannel}, ${nonce})`;
    } catch {
      // PostgreSQL cannot be reached at all: nothing can change, and nothing will be heard.
      this.setState("down");
    }
  }

  private setState(state: BusState): void {
    if (this.closed || state === this.current) return;
    if (state === "down") this.continuity++;
    this.current = state;
    const log = this.options.log;
    if (state === "down") log?.warn("change bus down: not hearing PostgreSQL notifications; retrying");
    else log?.info("change bus up: listening for changes", { channel: this.options.channel });
    this.listeners.stateChanged(state);
  }
}
