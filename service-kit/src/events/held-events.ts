/**
 * Events published inside a write wait for that write's commit: a rolled-back write (or a SQLite
 * savepoint lost with its group-commit batch) announces nothing. Each `db.write` call of the tracked
 * database gets its own list, found through an AsyncLocalStorage set around the write's callback, so
 * writes sharing one group commit keep their events apart.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { SQL } from "bun";
import type { Database } from "../db.ts";
import type { ChangeEvent } from "./change-event.ts";

export class HeldEvents {
  private readonly pending = new AsyncLocalStorage<ChangeEvent[]>();

  /** Keeps `events` with the write running now; throws outside a write of the tracked database. */
  hold(events: readonly ChangeEvent[]): void {
    const held = this.pending.getStore();
    if (!held) {
      // Announcing now could tell of a change that is rolled back later: refuse loudly instead.
      throw new Error(
        "ChangeBus.publish() was called outside a write of the tracked database: call it inside the " +
          "db.write() callback of the Database the service received.",
      );
    }
    held.push(...events);
  }

  /** `db` whose writes hand their events to `committed` once the write has committed. */
  track(db: Database, committed: (events: readonly ChangeEvent[]) => void): Database {
    const write = async <T>(work: (sql: SQL) => Promise<T>): Promise<T> => {
      const held: ChangeEvent[] = [];
      const result = await db.write((sql) => this.pending.run(held, () => work(sql)));
      if (held.length > 0) committed(held);
      return result;
    };
    return { ...db, write };
  }
}
