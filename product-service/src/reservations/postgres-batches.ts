/**
 * Reservations that arrive together on PostgreSQL, made by one transaction.
 *
 * Every order of one product updates that product's row, and PostgreSQL holds a row's lock until the
 * transaction's COMMIT is on disk. With a transaction per reservation, a popular product could be
 * ordered only one WAL flush after another, whatever the CPU: under create_order load each
 * reservation statement spent about 9.6 of its 10 ms waiting for that lock (pg_stat_statements). Here
 * the reservations queued while a batch runs are made together in one transaction, by three
 * statements whatever their number (postgres-reserve-together.ts), in arrival order, and each caller
 * hears its result only once that COMMIT succeeded.
 *
 * The transaction fails only when something moved under it (another instance reserved one of the
 * orders after the batch read it) or the connection broke. Any failure rolls the whole transaction
 * back, so nothing of the batch is written, and every reservation runs again alone, one statement each
 * (postgres-reserve.ts): each caller then gets its own result or error. A statement is idempotent on
 * its order id, so running it again after a COMMIT whose answer was lost replays it. A batch of one is
 * sent alone straight away: under light load nothing changes.
 */
import type { SQL } from "bun";
import type { ReservationRequest } from "./decide.ts";
import { type PostgresAttempt, reserveOnPostgres } from "./postgres-reserve.ts";
import { type QueuedReservation, reserveTogether } from "./postgres-reserve-together.ts";

/** Reservations per transaction: bounds how long one holds its rows' locks and how late its first caller hears. */
export const MAX_BATCH = 64;

interface Queued extends QueuedReservation {
  resolve(attempt: PostgresAttempt): void;
  reject(error: unknown): void;
}

export class PostgresReservationBatches {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly sql: SQL) {}

  /** reserveOnPostgres, sharing a transaction with the reservations that arrive beside it. */
  reserve(request: ReservationRequest, now: string): Promise<PostgresAttempt> {
    const { promise, resolve, reject } = Promise.withResolvers<PostgresAttempt>();
    this.queue.push({ request, now, resolve, reject });
    this.draining ??= this.drain();
    return promise;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // One event-loop turn lets the requests that are already readable reach reserve() and join.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        await (batch.length === 1 ? this.runAlone(batch) : this.runTogether(batch));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async runTogether(batch: Queued[]): Promise<void> {
    let attempts: PostgresAttempt[];
    try {
      attempts = await this.sql.begin((tx) => reserveTogether(tx as unknown as SQL, batch));
    } catch {
      // Nothing of the batch was written; each reservation's own result or error comes from running it alone.
      await this.runAlone(batch);
      return;
    }
    batch.forEach((queued, index) => {
      queued.resolve(attempts[index] as PostgresAttempt);
    });
  }

  private async runAlone(batch: Queued[]): Promise<void> {
    await Promise.all(
      batch.map((queued) =>
        reserveOnPostgres(this.sql, queued.request, queued.now).then(queued.resolve, queued.reject),
      ),
    );
  }
}
