/**
 * Group commit for SQLite. With `synchronous = FULL` every COMMIT costs an fsync (about 1.5 ms, and it
 * blocks the event loop, since Bun's SQLite adapter is synchronous), so one commit per write caps a
 * service at a few hundred writes per second. Here, writes that queue up while a transaction runs share
 * the next one: each runs inside its own SAVEPOINT, so its failure undoes only its own work and rejects
 * only its caller, and one COMMIT then makes the whole batch durable. A caller's promise settles only
 * after the COMMIT that holds its work has succeeded; if that COMMIT fails, every write of the batch is
 * rejected. So "an acknowledged write survives kill -9" stays true.
 *
 * Jobs of a batch run one after another, so a job must only run SQL: anything slow inside it (a network
 * call) holds up every write queued behind it. And a job must never start another `write()` and wait
 * for it: that write could only run in a later batch, which waits for this one. It is refused at once
 * (NestedWriteError) rather than left to hang.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { SQL } from "bun";

export type WriteWork<T> = (sql: SQL) => Promise<T>;

interface Job {
  work: WriteWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Thrown out of the transaction to roll it back when its first job, which has no savepoint, failed. */
class FirstJobFailed extends Error {}

/** SQLite drops the whole transaction by itself on some errors (full disk, I/O error, interrupt). */
export class BatchLostError extends Error {
  constructor(cause: unknown) {
    super(
      `The write was not saved: another write of the same commit failed in a way that cancelled the whole ` +
        `transaction (${cause instanceof Error ? cause.message : String(cause)}). Retry it.`,
      { cause },
    );
  }
}

export class NestedWriteError extends Error {
  constructor() {
    super(
      "db.write() was called from inside another db.write() callback; on SQLite it would wait for its own " +
        "commit forever. Run the statements on the `sql` handle that the callback receives instead.",
    );
  }
}

/** Jobs per COMMIT: bounds how long one transaction holds the write lock and how late its first caller hears. */
export const DEFAULT_MAX_BATCH = 64;

const SAVEPOINT = "group_commit_job";

export class GroupCommit {
  private readonly queue: Job[] = [];
  private draining: Promise<void> | undefined;
  /** Set while a job's callback runs, so that a nested write is recognised. */
  private readonly insideJob = new AsyncLocalStorage<true>();

  constructor(
    private readonly sql: SQL,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error("maxBatch must be a positive integer");
  }

  write<T>(work: WriteWork<T>): Promise<T> {
    if (this.insideJob.getStore()) return Promise.reject(new NestedWriteError());
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    this.draining ??= this.drain();
    return promise;
  }

  /** Resolves once every write queued so far has been committed or rejected (before closing). */
  async settled(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Bun's SQLite adapter answers without ever yielding to I/O, so a batch started at once would
        // hold only the write that started it. One event-loop turn lets every request that is already
        // readable (they pile up while a COMMIT blocks the loop) reach its write() first.
        await new Promise((resolve) => setImmediate(resolve));
        await this.commitBatch();
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Runs queued jobs in one transaction until the queue is empty or the batch full, then commits. */
  private async commitBatch(): Promise<void> {
    const taken: Job[] = [];
    const outcomes: Outcome[] = [];
    try {
      await this.sql.begin(async (tx) => {
        const sql = tx as unknown as SQL;
        // Taken inside the transaction, so that writes queued while BEGIN ran join this batch.
        const first = this.queue.shift();
        if (!first) return;
        taken.push(first);
        // No savepoint for the first job: if it fails, rolling back the transaction undoes only its work.
        try {
          outcomes.push({ ok: true, value: await this.run(first, sql) });
        } catch (error) {
          outcomes.push({ ok: false, error });
          throw new FirstJobFailed();
        }
        // Jobs that arrived while the ones before them ran join the same commit.
        while (taken.length < this.maxBatch) {
          const job = this.queue.shift();
          if (!job) break;
          taken.push(job);
          try {
            outcomes.push(await this.runInSavepoint(job, sql));
          } catch (error) {
            if (error instanceof BatchLostError) outcomes.push({ ok: false, error: error.cause });
            throw error;
          }
        }
      });
    } catch (error) {
      // The first job failed (and only it had run), or BEGIN, a savepoint or the COMMIT failed: nothing of
      // this batch is durable, so nobody is told yes. A job that failed by itself hears its own error.
      const batchError = error instanceof FirstJobFailed ? undefined : error;
      // The transaction could not even start (a closed client, say): the writes that would have formed
      // this batch hear why, rather than wait for a retry that would fail the same way.
      if (taken.length === 0) taken.push(...this.queue.splice(0, this.maxBatch));
      taken.forEach((job, index) => {
        const outcome = outcomes[index];
        job.reject(outcome && !outcome.ok ? outcome.error : batchError);
      });
      return;
    }
    taken.forEach((job, index) => {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  private run(job: Job, sql: SQL): Promise<unknown> {
    return this.insideJob.run(true, () => job.work(sql));
  }

  private async runInSavepoint(job: Job, sql: SQL): Promise<Outcome> {
    await sql.unsafe(`SAVEPOINT ${SAVEPOINT}`);
    let error: unknown;
    try {
      const value = await this.run(job, sql);
      await sql.unsafe(`RELEASE ${SAVEPOINT}`);
      return { ok: true, value };
    } catch (caught) {
      error = caught;
    }
    try {
      await sql.unsafe(`ROLLBACK TO ${SAVEPOINT}`);
      await sql.unsafe(`RELEASE ${SAVEPOINT}`);
    } catch {
      throw new BatchLostError(error);
    }
    return { ok: false, error };
  }
}
