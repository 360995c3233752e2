/**
 * SQLite writes through a connection that keeps its prepared statements. Bun's SQL client prepares and
 * finalizes every statement on every call, inside transactions too: 20-60 µs per statement where a
 * statement prepared once costs 2-15 µs, and an order runs about ten of them across the two services.
 * The group commit (group-commit.ts) runs its transactions on the handle made here instead.
 *
 * The handle speaks the part of Bun's client that writes use: tagged templates with plain values,
 * `sql(list)` for `IN ${sql(ids)}`, `sql.unsafe(text, values)`, and `begin(work)` for the group commit.
 * A statement is kept per call site (its template strings) or, for `unsafe` text and templates with a
 * list, per text, the most recent WRITE_CACHE_SIZE of them. Anything else (object helpers, fragments,
 * nested transactions) is refused with an error that says so, rather than run differently.
 *
 * Durability is the file's: the connection runs with synchronous = FULL, so a COMMIT that returned is on
 * disk. Transactions start with BEGIN IMMEDIATE: with a second writing connection (migrations, imports run
 * on Bun's client) a deferred transaction could fail at its first write instead of waiting for the lock.
 * Holding the write lock from BEGIN on, no statement inside the transaction waits for another connection.
 */
import { Database, type Statement } from "bun:sqlite";
import type { SQL } from "bun";
import { asSqlList, expandLists, isPlain, isTemplate, type Plain, SqlList } from "./sql-values.ts";

/** Distinct statement texts (unsafe, or a template with a list) kept prepared; past it the oldest is finalized. */
export const WRITE_CACHE_SIZE = 256;

/** How long a write waits for another connection's write lock, as busy_timeout = 5000 did before. */
export const LOCK_WAIT_MS = 5000;

/** The rows a statement returned, with what Bun's client adds to them. */
type Result = Record<string, unknown>[] & { count: number; command: string };

interface Kept {
  statement: Statement;
  /** The statement's first word, as Bun's client reports it (INSERT, UPDATE, ...). */
  command: string;
  returnsRows: boolean;
}

export class UnsupportedWriteError extends Error {}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

function unsupported(what: string): UnsupportedWriteError {
  return new UnsupportedWriteError(
    `A db.write() callback on SQLite ran ${what}. Its sql handle runs tagged templates with plain values ` +
      "(strings, numbers, bigints, booleans, null), IN sql(list) inside a template, and sql.unsafe(text, values); " +
      "write other statements in one of those forms.",
  );
}

export interface CachedWrites {
  /** The writing connection as a Bun-client-shaped handle, for GroupCommit. */
  sql: SQL;
  close(): void;
}

export interface CachedWritesOptions {
  /** Runs right before each COMMIT (the reads end their snapshot there: sqlite-reads.ts). */
  beforeCommit?: () => void;
  /** How long BEGIN waits for another connection's write lock; LOCK_WAIT_MS unless a test says. */
  lockWaitMs?: number;
}

export function withCachedWrites(filename: string, options: CachedWritesOptions = {}): CachedWrites {
  const beforeCommit = options.beforeCommit ?? ((): void => {});
  const lockWaitMs = options.lockWaitMs ?? LOCK_WAIT_MS;
  const writer = new Database(filename, { create: false, readwrite: true });
  // No busy handler: it would wait for the lock inside the call, blocking the event loop, and so the
  // very transaction (on Bun's client, in this process) that holds the lock. BEGIN waits below instead.
  writer.run("PRAGMA busy_timeout = 0");
  writer.run("PRAGMA synchronous = FULL");
  writer.run("PRAGMA foreign_keys = ON");

  const prepare = (text: string): Kept => {
    const statement = writer.prepare(text);
    const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? "";
    return { statement, command, returnsRows: statement.columnNames.length > 0 };
  };
  const bySite = new WeakMap<TemplateStringsArray, Kept>();
  const sites: Kept[] = [];
  const byText = new Map<string, Kept>();
  const prepared = (text: string): Kept => {
    let kept = byText.get(text);
    if (kept === undefined) {
      kept = prepare(text);
      byText.set(text, kept);
      const oldest = byText.size > WRITE_CACHE_SIZE ? byText.keys().next().value : undefined;
      if (oldest !== undefined) {
        byText.get(oldest)?.statement.finalize();
        byText.delete(oldest);
      }
    }
    return kept;
  };

  /** BEGIN IMMEDIATE, retried between event-loop turns while another connection holds the write lock. */
  const takeWriteLock = async (): Promise<void> => {
    const deadline = performance.now() + lockWaitMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      try {
        prepared("BEGIN IMMEDIATE").statement.run();
        return;
      } catch (error) {
        if (!isBusy(error) || performance.now() >= deadline) throw error;
      }
      await Bun.sleep(pause);
    }
  };

  const execute = ({ statement, command, returnsRows }: Kept, values: Plain[]): Result => {
    if (returnsRows) {
      const rows = statement.all(...values) as Record<string, unknown>[];
      return Object.assign(rows, { count: rows.length, command });
    }
    const { changes } = statement.run(...values);
    return Object.assign([] as Record<string, unknown>[], { count: changes, command });
  };

  const template = (strings: TemplateStringsArray, values: unknown[]): Result => {
    const bound: (Plain | SqlList)[] = [];
    let hasList = false;
    for (const value of values) {
      if (value instanceof SqlList) {
        hasList = true;
        bound.push(value);
      } else if (isPlain(value)) bound.push(value);
      // Bun's client binds undefined as NULL; so does this, so an optional field writes as it did.
      else if (value === undefined) bound.push(null);
      else throw unsupported(`a template with a ${typeof value} value`);
    }
    if (hasList) {
      const { text, flat } = expandLists(strings, bound);
      return execute(prepared(text), flat);
    }
    let kept = bySite.get(strings);
    if (kept === undefined) {
      kept = prepare(strings.join("?"));
      bySite.set(strings, kept);
      sites.push(kept);
    }
    return execute(kept, bound as Plain[]);
  };

  const handle = (first: unknown, ...values: unknown[]): unknown => {
    if (isTemplate(first)) {
      try {
        return Promise.resolve(template(first, values));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const list = asSqlList(first, values);
    if (list) return list;
    throw unsupported("sql(...) with something other than a non-empty list of plain values");
  };

  const unsafe = (text: string, values: unknown[] = []): Promise<Result> => {
    try {
      const bound = values.map((value) => (value === undefined ? null : value));
      if (!bound.every(isPlain)) throw unsupported("sql.unsafe() with a value that is not plain");
      // `$n` is a named parameter to SQLite, numbered by first use; `?n` binds the n-th value.
      return Promise.resolve(execute(prepared(text.replace(/\$(\d+)/g, "?$1")), bound));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  const begin = async <T>(work: (tx: SQL) => Promise<T>): Promise<T> => {
    await takeWriteLock();
    try {
      const value = await work(sql);
      beforeCommit();
      prepared("COMMIT").statement.run();
      return value;
    } catch (error) {
      // SQLite may have ended the transaction itself (full disk, I/O error); then there is nothing to undo.
      if (writer.inTransaction) prepared("ROLLBACK").statement.run();
      throw error;
    }
  };

  const refuse = (): never => {
    throw unsupported("a nested transaction or savepoint helper; use sql.unsafe('SAVEPOINT ...')");
  };
  const sql = Object.assign(handle, {
    unsafe,
    begin,
    savepoint: refuse,
    transaction: refuse,
  }) as unknown as SQL;
  return {
    sql,
    close: () => {
      for (const kept of [...sites, ...byText.values()]) kept.statement.finalize();
      byText.clear();
      writer.close();
    },
  };
}
