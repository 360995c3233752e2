/**
 * The change-event bus: domain writes publish change events inside their transaction, and every
 * instance's MCP listeners (2026-07-28 `subscriptions/listen` streams, 2025 sessions' GET streams) hear
 * the events of every instance once that transaction has committed. A rolled-back write publishes
 * nothing. Two implementations: in-process (SQLite, where one instance runs) and PostgreSQL
 * LISTEN/NOTIFY (postgres-bus.ts).
 */
import type { SQL } from "bun";
import type { Database } from "../db.ts";
import type { ChangeEvent } from "./change-event.ts";
import type { SessionEndings } from "./session-endings.ts";

/**
 * `up`: events flow. `down`: this instance cannot hear other instances' events right now (PostgreSQL
 * restart or failover); streams stay open and the kit refuses new listeners with a clear error.
 */
export type BusState = "up" | "down";

export type ChangeListener = (event: ChangeEvent) => void;

/** What a domain write needs: publish events with the transaction that makes the change. */
export interface ChangePublisher {
  /**
   * Publishes `events` with the write running on `tx` (the handle a `db.write` callback receives):
   * they reach listeners only if that write commits. Call it inside the callback, after the statements.
   */
  publish(tx: SQL, events: readonly ChangeEvent[]): Promise<void>;
  /**
   * Publishes the events of a write that has already committed outside `db.write` (one autocommit
   * statement). Call it only after the statement succeeded.
   */
  publishCommitted(events: readonly ChangeEvent[]): void;
}

export interface ChangeBus extends ChangePublisher, SessionEndings {
  readonly state: BusState;
  /** Every committed event of every instance, in commit order per instance. */
  subscribe(listener: ChangeListener): () => void;
  onStateChange(listener: (state: BusState) => void): () => void;
  /** Listeners registered now (open listen streams and legacy subscription registries). */
  readonly listenerCount: number;
  /**
   * The database services write through: its writes may call `publish`, whose events wait for the
   * write's commit (held-events.ts).
   */
  track(db: Database): Database;
  close(): Promise<void>;
}

/** The listener set both buses share: a throwing listener never stops delivery to the others. */
export class Listeners {
  private readonly listeners = new Set<ChangeListener>();
  private readonly stateListeners = new Set<(state: BusState) => void>();
  private readonly endListeners = new Set<(id: string) => void>();

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.listeners.size;
  }

  add(listener: ChangeListener): () => void {
    return register(this.listeners, listener);
  }

  addStateListener(listener: (state: BusState) => void): () => void {
    return register(this.stateListeners, listener);
  }

  addEndListener(listener: (id: string) => void): () => void {
    return register(this.endListeners, listener);
  }

  deliver(event: ChangeEvent): void {
    this.callEach(this.listeners, event);
  }

  stateChanged(state: BusState): void {
    this.callEach(this.stateListeners, state);
  }

  sessionEnded(id: string): void {
    this.callEach(this.endListeners, id);
  }

  private callEach<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** Adds `listener` to `listeners`; returns its removal. */
function register<T>(listeners: Set<(value: T) => void>, listener: (value: T) => void): () => void {
  // A wrapper per registration, so that the same function registered twice is two listeners.
  const entry = (value: T): void => listener(value);
  listeners.add(entry);
  return () => {
    listeners.delete(entry);
  };
}
