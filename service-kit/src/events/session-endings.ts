/**
 * Session endings on the change bus: how an instance may trust what it remembers of a 2025 session
 * between reads of its row. Each request to a held session used to read the row (a DELETE on any
 * instance ends the session everywhere); on PostgreSQL that read was a round trip on every call and
 * cost create_order about a third of its throughput in a session. Instead, the instance that ends a
 * session says so on the bus, in the transaction that deletes the row, and every instance forgets it
 * when the notice arrives. While the bus vouches that nothing can have been missed, a held session is
 * served from memory.
 *
 * What ends a session without a notice needs none: expiry is decided from the last-seen time, and an
 * instance's remembered time is never later than the row's. A row removed by hand is noticed at the
 * session's next touch (live-sessions.ts), at the latest a tenth of the TTL later.
 */
import type { SQL } from "bun";

export interface SessionEndings {
  /**
   * Tells every instance that session `id` ended, with the write on `tx` that deletes its row: the
   * notice goes out only if that write commits, and cannot be lost after it has.
   */
  announceEnd(tx: SQL, id: string): Promise<void>;
  /** Called with the id of every session ended on any instance (this one included). */
  onEnd(listener: (id: string) => void): () => void;
  /**
   * A mark meaning "from now on this instance hears every ending", or undefined when it cannot
   * promise that: the bus is down, or (SQLite) other processes may share the database file and
   * nothing carries their endings here.
   */
  vouch(): number | undefined;
  /** Whether every ending announced since `vouch()` gave `mark` has reached this instance. */
  stillVouched(mark: number): boolean;
}

/** The NOTIFY payload of an ending, on the service's change channel beside its change events. */
export function encodeSessionEnd(id: string): string {
  return JSON.stringify({ k: "s", s: id });
}

/** The ended session's id in `payload`, or undefined when it is not an ending. */
export function decodeSessionEnd(payload: string): string | undefined {
  // Change events are far more frequent: look before parsing.
  if (!payload.startsWith('{"k":"s"')) return undefined;
  try {
    const wire = JSON.parse(payload) as { k?: unknown; s?: unknown };
    return wire.k === "s" && typeof wire.s === "string" ? wire.s : undefined;
  } catch {
    return undefined;
  }
}
