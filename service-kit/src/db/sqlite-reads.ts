/**
 * SQLite reads through a second connection that keeps its prepared statements. Bun's SQL client
 * prepares and finalizes every statement on every query: for get_product that was most of the
 * database time. bun:sqlite's `query()` keeps one statement per SQL text, and the call site's template
 * strings (the same object on every call) make the cache key.
 *
 * Only a plain SELECT whose values are plain (strings, numbers, booleans, null) or lists of them
 * (`IN ${sql(ids)}`, one statement per number of items) comes here; fragments, other helpers, writes
 * and transactions go to Bun's client as before. A query whose text is
 * built at run time (search: one shape per number of terms and filters) may use `sql.unsafe(text,
 * values)`: its statements are kept per text, the most recent UNSAFE_CACHE_SIZE of them. The second connection
 * reads the last committed state (WAL gives each read a snapshot), so a read never sees a write batch
 * that has not committed yet (see group-commit.ts), and sees every write whose `db.write()` resolved.
 *
 * Reads share one snapshot for up to SNAPSHOT_MS. Starting and ending a read transaction takes WAL lock
 * system calls, more than half of what a one-row read by primary key costs here (8 µs, against 3 µs
 * inside an open transaction), and a request rarely makes more than one read, so the snapshot must
 * outlive the request. It ends before any COMMIT of this process (`refresh`: the writer calls it, and
 * the reads call it around `sql.begin` and any statement they hand to Bun's client), so a read that
 * starts after a write of this process resolved always sees it, and this process's checkpoints never wait
 * for it. A commit by another process (an operator's `seed`) is seen at most SNAPSHOT_MS late; a timer
 * ends an idle snapshot so that such a process's checkpoint is not held back either.
 * read-snapshot.test.ts holds each of these.
 */
import { Database, type Statement } from "bun:sqlite";
import type { SQL } from "bun";
import { asSqlList, expandLists, isPlain, isTemplate, type Plain, SqlList } from "./sql-values.ts";

const isPlainOrList = (value: unknown): value is Plain | SqlList =>
  isPlain(value) || value instanceof SqlList;

/** One plain SELECT, with no second statement after it (Bun's client would run that one too). */
function isSingleSelect(text: string): boolean {
  const trimmed = text.trim().replace(/;$/, "");
  return /^select\b/i.test(trimmed) && !trimmed.includes(";");
}

/** Longest a read snapshot serves: how late a commit by another process (an operator's `seed`) may be seen. */
export const SNAPSHOT_MS = 2;

/** Distinct `unsafe` SELECT texts kept prepared; past it the oldest is finalized. */
export const UNSAFE_CACHE_SIZE = 256;

export interface CachedReads {
  /** Bun's client, with plain SELECTs served from cached statements. */
  sql: SQL;
  /** Ends the current read snapshot: call it before this process commits, so later reads see the commit. */
  refresh(): void;
  close(): void;
}

export function withCachedReads(sql: SQL, filename: string): CachedReads {
  const reader = new Database(filename, { create: false, readwrite: true });
  reader.run("PRAGMA busy_timeout = 5000");
  const beginSnapshot = reader.prepare("BEGIN");
  const endSnapshot = reader.prepare("COMMIT");
  let snapshotStart = 0;
  let endTimer: ReturnType<typeof setTimeout> | undefined;
  // Set when a statement went to Bun's client: it may be a write that commits a few microtasks later,
  // so reads go without a snapshot until the window ends, rather than from one taken before that commit.
  let passedThrough = false;
  let closed = false;
  const refresh = (): void => {
    if (!closed && reader.inTransaction) endSnapshot.run();
  };
  const endWindow = (): void => {
    endTimer = undefined;
    passedThrough = false;
    refresh();
  };
  const startWindow = (): void => {
    snapshotStart = performance.now();
    endTimer ??= setTimeout(endWindow, SNAPSHOT_MS);
  };
  /** Reads from the open snapshot, or opens one (it starts at the first SELECT after BEGIN). */
  const inSnapshot = (): void => {
    if (passedThrough) return;
    if (reader.inTransaction) {
      if (performance.now() - snapshotStart < SNAPSHOT_MS) return;
      endSnapshot.run();
    }
    beginSnapshot.run();
    startWindow();
  };
  const toBunClient = (): void => {
    refresh();
    passedThrough = true;
    startWindow();
  };
  // null: this call site's text is not a single SELECT, so it always goes to Bun's client.
  const statements = new WeakMap<TemplateStringsArray, Statement | null>();
  const statementFor = (strings: TemplateStringsArray): Statement | null => {
    let statement = statements.get(strings);
    if (statement === undefined) {
      const text = strings.join("?");
      statement = isSingleSelect(text) ? reader.query(text) : null;
      statements.set(strings, statement);
    }
    return statement;
  };
  // Only single SELECTs are kept here, so a text found needs no second look (search sends one per call).
  const byText = new Map<string, Statement>();
  /** The kept statement for `text`, or undefined when it is not a single SELECT (it goes to Bun's client). */
  const statementForText = (text: string): Statement | undefined => {
    let statement = byText.get(text);
    if (statement === undefined) {
      if (!isSingleSelect(text)) return undefined;
      statement = reader.prepare(text);
      byText.set(text, statement);
      const oldest = byText.size > UNSAFE_CACHE_SIZE ? byText.keys().next().value : undefined;
      if (oldest !== undefined) {
        byText.get(oldest)?.finalize();
        byText.delete(oldest);
      }
    }
    return statement;
  };
  const unsafe = (text: string, values: unknown[] = []): unknown => {
    let statement: Statement | undefined;
    try {
      statement = values.every(isPlain) ? statementForText(text) : undefined;
      if (statement) {
        inSnapshot();
        return Promise.resolve(statement.all(...(values as Plain[])));
      }
    } catch (error) {
      return Promise.reject(error);
    }
    toBunClient();
    return sql.unsafe(text, values);
  };
  // A transaction on Bun's client (a catalogue import) commits on another connection of this process.
  const begin = async (...args: unknown[]): Promise<unknown> => {
    refresh();
    try {
      return await (sql.begin as (...a: unknown[]) => Promise<unknown>)(...args);
    } finally {
      refresh();
    }
  };
  const bound = new Map<PropertyKey, unknown>([
    ["unsafe", unsafe],
    ["begin", begin],
  ]);
  const proxy = new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const [strings, ...values] = args;
      if (!isTemplate(strings)) {
        // `sql(ids)` only makes a list; it runs nothing, so the snapshot stays.
        const list = asSqlList(strings, values);
        if (list) return list;
      } else if (values.every(isPlain)) {
        try {
          const statement = statementFor(strings);
          if (statement) {
            inSnapshot();
            return Promise.resolve(statement.all(...(values as Plain[])));
          }
        } catch (error) {
          return Promise.reject(error);
        }
      } else if (values.every(isPlainOrList)) {
        try {
          const { text, flat } = expandLists(strings, values);
          const statement = statementForText(text);
          if (statement) {
            inSnapshot();
            return Promise.resolve(statement.all(...flat));
          }
        } catch (error) {
          return Promise.reject(error);
        }
      }
      toBunClient();
      // A list made here goes to Bun's client as the helper it would have made.
      const bunArgs = args.map((arg) =>
        arg instanceof SqlList ? Reflect.apply(target, thisArg, [arg.items]) : arg,
      );
      return Reflect.apply(target, thisArg, bunArgs);
    },
    // Bun's client methods expect the client itself as `this`, not the proxy.
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      let method = bound.get(property);
      if (!method) {
        method = value.bind(target);
        bound.set(property, method);
      }
      return method;
    },
  });
  return {
    sql: proxy,
    refresh,
    close: () => {
      clearTimeout(endTimer);
      refresh();
      closed = true;
      reader.close();
    },
  };
}
