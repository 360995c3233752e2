/**
 * The change bus for SQLite, where one instance runs: events published inside a write are held with
 * that write (held-events.ts) and delivered in this process once its commit has succeeded.
 */
import type { SQL } from "bun";
import type { Database } from "../db.ts";
import type { Logger } from "../log.ts";
import { type BusState, type ChangeBus, type ChangeListener, Listeners } from "./change-bus.ts";
import type { ChangeEvent } from "./change-event.ts";
import { HeldEvents } from "./held-events.ts";

export class InProcessChangeBus implements ChangeBus {
  readonly state: BusState = "up";
  private readonly listeners: Listeners;
  private readonly held = new HeldEvents();

  constructor(log?: Logger) {
    this.listeners = new Listeners((error) => log?.error("change listener failed", { error: String(error) }));
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async publish(_tx: SQL, events: readonly ChangeEvent[]): Promise<void> {
    this.held.hold(events);
  }

  publishCommitted(events: readonly ChangeEvent[]): void {
    this.deliver(events);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    return this.listeners.addStateListener(listener);
  }

  /**
   * Nothing to send: this process drops a session it ends itself, and a process sharing the SQLite
   * file would not hear it anyway, so on SQLite every request reads its session's row (vouch()).
   */
  async announceEnd(_tx: SQL, _id: string): Promise<void> {}

  onEnd(listener: (id: string) => void): () => void {
    return this.listeners.addEndListener(listener);
  }

  vouch(): undefined {
    return undefined;
  }

  stillVouched(_mark: number): boolean {
    return false;
  }

  track(db: Database): Database {
    return this.held.track(db, (events) => this.deliver(events));
  }

  private deliver(events: readonly ChangeEvent[]): void {
    for (const event of events) this.listeners.deliver(event);
  }

  async close(): Promise<void> {}
}
