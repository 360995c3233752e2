/**
 * The change bus for SQLite, where one instance runs: events published inside a write are held with
 * that write and delivered in this process once its commit has succeeded. With group commit several
 * writes share one transaction (db/group-commit.ts), so the events are kept per write (per `db.write`
 * call), found through an AsyncLocalStorage the tracked database sets around the write's callback: a
 * write that fails (its savepoint rolled back, or its batch lost) delivers nothing.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { SQL } from "bun";
import type { Database } from "../db.ts";
import type { Logger } from "../log.ts";
import { type BusState, type ChangeBus, type ChangeListener, Listeners } from "./change-bus.ts";
import type { ChangeEvent } from "./change-event.ts";

export class InProcessChangeBus implements ChangeBus {
  readonly state: BusState = "up";
  private readonly listeners: Listeners;
  private readonly pending = new AsyncLocalStorage<ChangeEvent[]>();

  constructor(log?: Logger) {
    this.listeners = new Listeners((error) => log?.error("change listener failed", { error: String(error) }));
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async publish(_tx: SQL, events: readonly ChangeEvent[]): Promise<void> {
    const held = this.pending.getStore();
    if (!held) {
      // Delivering now could announce a change that is rolled back later: refuse loudly instead.
      throw new Error(
        "ChangeBus.publish() was called outside a write of the tracked database: call it inside the " +
          "db.write() callback of the Database the service received.",
      );
    }
    held.push(...events);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    return this.listeners.addStateListener(listener);
  }

  track(db: Database): Database {
    const write = async <T>(work: (sql: SQL) => Promise<T>): Promise<T> => {
      const held: ChangeEvent[] = [];
      const result = await db.write((sql) => this.pending.run(held, () => work(sql)));
      // Committed: only now may anyone hear of it.
      for (const event of held) this.listeners.deliver(event);
      return result;
    };
    return { ...db, write };
  }

  async close(): Promise<void> {}
}
