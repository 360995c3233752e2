/**
 * Order writes that arrive together on PostgreSQL, made by one statement per kind of write.
 *
 * Each order writes twice (postgres-order-writes.ts): its pending row, then its confirmation. As
 * autocommit statements, every one was a transaction of its own: a COMMIT, a WAL flush and a wake-up
 * of its backend each. Then the writes queued in one event-loop turn shared a transaction, one
 * statement each; PostgreSQL still started and ran every statement's plan on its own, and that was
 * most of its CPU. Now every kind of write takes a whole batch's inputs in one multi-row statement
 * (measured: 208 → 85 µs of PostgreSQL's CPU per pending order at 16 a batch). When a batch holds two
 * kinds, their statements share one transaction; one kind alone is one autocommit statement, as
 * atomic. Each caller hears its own result only once the batch has committed, so an acknowledged
 * order is as durable as before.
 *
 * Any failure rolls the whole batch back, so nothing of it is written, and every input is written again
 * alone: each caller then gets its own result or error. Both writes may run again safely: the insert
 * does nothing for an id or idempotency key already stored, and the confirmation changes only a pending
 * order. Two instances whose batches write the same rows in opposite orders at the same moment (one
 * idempotency key retried on both, or orders that one confirms while the other's reconciler does)
 * could deadlock; PostgreSQL then cancels one transaction after deadlock_timeout, and its inputs are
 * written again alone, so the cost is a second of latency for those orders, never a wrong answer.
 */
import type { SQL } from "bun";

/** Inputs per batch: bounds how long one holds its rows' locks and how late its first caller hears. */
export const MAX_BATCH = 64;

/**
 * One kind of write: a statement that makes every input's write, in order, and answers one output
 * per input, as if each had been written alone one after the other.
 */
export type MergedWrite<Input, Output> = (sql: SQL, inputs: readonly Input[]) => Promise<Output[]>;

interface Queued {
  write: MergedWrite<unknown, unknown>;
  input: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class PostgresWriteBatches {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private statements = 0;

  constructor(private readonly sql: SQL) {}

  /** Makes `write` for `input`, in the statement of the inputs of its kind that arrive beside it. */
  run<Input, Output>(write: MergedWrite<Input, Output>, input: Input): Promise<Output> {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.queue.push({ write: write as MergedWrite<unknown, unknown>, input, resolve, reject });
    this.draining ??= this.drain();
    return promise as Promise<Output>;
  }

  /** Statements that wrote two inputs or more: lets tests see that batches formed. */
  get mergedStatements(): number {
    return this.statements;
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
    const kinds = new Map<MergedWrite<unknown, unknown>, Queued[]>();
    for (const queued of batch) {
      const same = kinds.get(queued.write);
      if (same) same.push(queued);
      else kinds.set(queued.write, [queued]);
    }
    const writeAll = async (sql: SQL): Promise<unknown[][]> => {
      // Sent without waiting for each other, so they go in one stream; the server runs them in order.
      // All are waited for before a failure rolls back, so no statement is still in flight then.
      const settled = await Promise.allSettled(
        [...kinds].map(([write, queued]) =>
          write(
            sql,
            queued.map((one) => one.input),
          ),
        ),
      );
      const failed = settled.find((outcome) => outcome.status === "rejected");
      if (failed) throw failed.reason;
      return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown[]>).value);
    };
    let outputs: unknown[][];
    try {
      outputs =
        kinds.size === 1
          ? await writeAll(this.sql)
          : await this.sql.begin((tx) => writeAll(tx as unknown as SQL));
    } catch {
      // Nothing of the batch was written; each input's own result or error comes from writing it alone.
      await this.runAlone(batch);
      return;
    }
    [...kinds.values()].forEach((queued, kind) => {
      if (queued.length > 1) this.statements++;
      queued.forEach((one, index) => {
        one.resolve(outputs[kind]?.[index]);
      });
    });
  }

  private async runAlone(batch: Queued[]): Promise<void> {
    await Promise.all(
      batch.map((queued) =>
        queued.write(this.sql, [queued.input]).then((outputs) => queued.resolve(outputs[0]), queued.reject),
      ),
    );
  }
}
