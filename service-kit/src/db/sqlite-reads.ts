/**
 * SQLite reads through a second connection that keeps its prepared statements. Bun's SQL client
 * prepares and finalizes every statement on every query: for get_product that was most of the
 * database time. bun:sqlite's `query()` keeps one statement per SQL text, and the call site's template
 * strings (the same object on every call) make the cache key.
 *
 * Only a plain SELECT whose values are plain (strings, numbers, booleans, null) comes here; fragments,
 * helpers like `sql(ids)`, writes and transactions go to Bun's client as before. A query whose text is
 * built at run time (search: one shape per number of terms and filters) may use `sql.unsafe(text,
 * values)`: its statements are kept per text, the most recent UNSAFE_CACHE_SIZE of them. The second connection
 * reads the last committed state (WAL gives each read a snapshot), so a read never sees a write batch
 * that has not committed yet (see group-commit.ts), and sees every write whose `db.write()` resolved.
 */
import { Database, type Statement } from "bun:sqlite";
import type { SQL } from "bun";

type Plain = string | number | bigint | boolean | null;

function isPlain(value: unknown): value is Plain {
  const type = typeof value;
  return value === null || type === "string" || type === "number" || type === "bigint" || type === "boolean";
}

function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && Object.hasOwn(value, "raw");
}

/** One plain SELECT, with no second statement after it (Bun's client would run that one too). */
function isSingleSelect(text: string): boolean {
  const trimmed = text.trim().replace(/;$/, "");
  return /^select\b/i.test(trimmed) && !trimmed.includes(";");
}

/** Distinct `unsafe` SELECT texts kept prepared; past it the oldest is finalized. */
export const UNSAFE_CACHE_SIZE = 256;

export interface CachedReads {
  /** Bun's client, with plain SELECTs served from cached statements. */
  sql: SQL;
  close(): void;
}

export function withCachedReads(sql: SQL, filename: string): CachedReads {
  const reader = new Database(filename, { create: false, readwrite: true });
  reader.run("PRAGMA busy_timeout = 5000");
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
  const byText = new Map<string, Statement>();
  const statementForText = (text: string): Statement => {
    let statement = byText.get(text);
    if (statement === undefined) {
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
    if (!isSingleSelect(text) || !values.every(isPlain)) return sql.unsafe(text, values);
    try {
      return Promise.resolve(statementForText(text).all(...(values as Plain[])));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const bound = new Map<PropertyKey, unknown>([["unsafe", unsafe]]);
  const proxy = new Proxy(sql, {
    apply(target, thisArg, args: unknown[]) {
      const [strings, ...values] = args;
      if (isTemplate(strings) && values.every(isPlain)) {
        try {
          const statement = statementFor(strings);
          if (statement) return Promise.resolve(statement.all(...(values as Plain[])));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return Reflect.apply(target, thisArg, args);
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
    close: () => reader.close(),
  };
}
