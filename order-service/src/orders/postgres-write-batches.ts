/**
 * Order writes that arrive together on PostgreSQL, committed by one transaction.
 *
 * Each order writes two single statements (postgres-order-writes.ts): its pending row, then its
 * confirmation. As autocommit statements, every one was a transaction of its own: a COMMIT, a WAL
 * flush and a wake-up of its backend each. Here the statements queued in one event-loop turn are sent
 * together, pipelined, in one transaction, and each caller hears its statement's result only once
 * that COMMIT succeeded, so an acknowledged order is as durable as before.
 *
 * Any failure rolls the whole transaction back, so nothing of the batch is written, and every
 * statement runs again alone, as before batching: each caller then gets its own result or error. Both
 * statements may run again safely: the insert does nothing for an id or idempotency key already
 * stored, and the confirmation changes only a pending order. A batch of one is sent alone at once.
 * Two instances whose batches write the same rows in opposite orders at the same moment (one
 * idempotency key retried on both, or orders that one confirms while the other's reconciler does)
 * could deadlock; PostgreSQL then cancels one transaction after deadlock_timeout, and its statements
 * run again alone, so the cost is a second of latency for those orders, never a wrong answer.
 */
import type { SQL } from "bun";

/** Statements per transaction: bounds how long one holds its rows' locks and how late its first caller hears. */
export const MAX_BATCH = 64;

/** One statement, run on the connection it is given (the batch's transaction, or the pool when alone). */
export type Statement<T> = (sql: SQL) => Promise<T>;

interface Queued {
  statement: Statement<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class PostgresWriteBatches {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private transactions = 0;

  constructor(private readonly sql: SQL) {}

  /** Runs `statement`, in the transaction of the statements that arrive beside it. */
  run<T>(statement: Statement<T>): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.queue.push({ statement, resolve, reject });
    this.draining ??= this.drain();
    return promise as Promise<T>;
  }

  /** Transactions that carried two statements or more: lets tests see that batches formed. */
  get sharedTransactions(): number {
    return this.transactions;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // One event-loop turn lets the requests that are already readable reach run() and join.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, MAX_BATCH);
        await (batch.length === 1 ? this.runAlone(batch) : this.runTogether(batch));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async runTogether(batch: Queued[]): Promise<void> {
    let values: unknown[];
    try {
      values = await this.sql.begin(async (tx) => {
        const sql = tx as unknown as SQL;
        // Sent without waiting for each other, so they go in one stream; the server runs them in order.
        // All are waited for before a failure rolls back, so no statement is still in flight then.
        const settled = await Promise.allSettled(batch.map((queued) => queued.statement(sql)));
        const failed = settled.find((outcome) => outcome.status === "rejected");
        if (failed) throw failed.reason;
        return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value);
      });
    } catch {
      await this.runAlone(batch);
      return;
    }
    this.transactions++;
    batch.forEach((queued, index) => {
      queued.resolve(values[index]);
    });
  }

  private async runAlone(batch: Queued[]): Promise<void> {
    await Promise.all(batch.map((queued) => queued.statement(this.sql).then(queued.resolve, queued.reject)));
  }
}
