/**
 * One database code path for both dialects, on Bun's built-in `SQL` client: an embedded SQLite file
 * by default, PostgreSQL (Aurora in the cloud) when the URL says so.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { SQL } from "bun";
import { GroupCommit } from "./db/group-commit.ts";
import { withCachedReads } from "./db/sqlite-reads.ts";
import { withCachedWrites } from "./db/sqlite-writes.ts";
import { redactUrlCredentials } from "./redact.ts";

export type Dialect = "sqlite" | "postgres";

export interface Database {
  readonly sql: SQL;
  readonly dialect: Dialect;
  /**
   * Runs `work` in a transaction and resolves once it is committed (durable). Always write through this:
   * Bun's SQLite adapter has one connection, so a statement sent while another transaction is open runs
   * inside it and is rolled back with it; a write waits its turn instead.
   *
   * On SQLite, writes that arrive while one runs share the next COMMIT (group commit, see
   * db/group-commit.ts), each in its own savepoint. Hence the rules for `work`:
   * - run its statements on the `sql` it receives, and nothing slow (no network calls): the writes of a
   *   batch run one after another;
   * - never call `write()` again from inside it (that write would wait for its own batch); it is refused;
   * - it may run more than once only if the caller retries it: a rejected write left nothing behind.
   * On PostgreSQL each write is its own transaction on a pooled connection.
   */
  write<T>(work: (sql: SQL) => Promise<T>): Promise<T>;
  /** Cheap round trip used by `/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What a repository needs to read and write. */
export type DatabaseHandle = Pick<Database, "sql" | "write">;

export interface DatabaseSecret {
  host: string;
  port: number | string;
  dbname?: string;
  username: string;
  password: string;
}

/** Turns the secret JSON that Copilot hands the task (from Secrets Manager) into a postgres URL. */
export function databaseUrlFromSecret(secretJson: string): string {
  let secret: Partial<DatabaseSecret>;
  try {
    secret = JSON.parse(secretJson) as Partial<DatabaseSecret>;
  } catch {
    throw new Error("DB_SECRET is not valid JSON; expected {host, port, dbname, username, password}");
  }
  for (const key of ["host", "username", "password"] as const) {
    if (typeof secret[key] !== "string" || secret[key] === "") {
      throw new Error(`DB_SECRET has no "${key}"; expected {host, port, dbname, username, password}`);
    }
  }
  const user = encodeURIComponent(secret.username as string);
  const password = encodeURIComponent(secret.password as string);
  const port = secret.port ?? 5432;
  const dbname = encodeURIComponent(secret.dbname ?? "postgres");
  // Aurora accepts TLS; traffic inside the VPC is encrypted too.
  return `postgres://${user}:${password}@${secret.host}:${port}/${dbname}?sslmode=require`;
}

/**
 * Errors that mean "the database cannot be reached right now" (restart, failover, network), as opposed
 * to a wrong query: Bun's client codes for a refused, closed or timed-out connection, and the server's
 * SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down / starting up) and 53300 (too
 * many connections). Bun's pool reconnects by itself once the server is back, so callers should answer
 * "retry shortly" rather than fail for good. On SQLite, SQLITE_BUSY after the write's wait for the lock
 * (another process held it, e.g. a long `seed`) is the same kind of error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  // SQLITE_BUSY: another process (a long import) held the write lock for longer than a write waits.
  if (
    typeof code === "string" &&
    /^(ERR_POSTGRES_(CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT)|SQLITE_BUSY)/.test(code)
  ) {
    return true;
  }
  return typeof errno === "string" && /^(08...|57P0[123]|53300)$/.test(errno);
}

/** What a caller is told while the database is unreachable. */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "The service's database is not reachable right now (a restart, a failover, or another process holding its write lock); retry in a few seconds.";

export function dialectOf(url: string): Dialect {
  return url.startsWith("sqlite://") ? "sqlite" : "postgres";
}

/** Hides the password of a database URL so that it can be logged. */
export function redactDatabaseUrl(url: string): string {
  return redactUrlCredentials(url);
}

export interface OpenOptions {
  /** PostgreSQL schema owned by this service; created if missing and put first on the search path. */
  schema?: string;
  maxConnections?: number;
  /** SQLite: most writes that share one COMMIT (see db/group-commit.ts). */
  maxWriteBatch?: number;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  return dialectOf(url) === "sqlite" ? openSqlite(url, options) : openPostgres(url, options);
}

async function openSqlite(url: string, options: OpenOptions): Promise<Database> {
  const filename = url.slice("sqlite://".length);
  if (filename !== ":memory:" && filename !== "") mkdirSync(dirname(filename), { recursive: true });
  const sql = new SQL({ adapter: "sqlite", filename: filename || ":memory:" });
  // WAL lets readers run beside the single writer; busy_timeout makes a second process wait for the
  // write lock instead of failing at once; synchronous=FULL is what makes an acknowledged order durable.
  await sql.unsafe("PRAGMA journal_mode = WAL");
  await sql.unsafe("PRAGMA busy_timeout = 5000");
  await sql.unsafe("PRAGMA synchronous = FULL");
  await sql.unsafe("PRAGMA foreign_keys = ON");
  // Plain SELECTs go to a second connection with cached statements (see db/sqlite-reads.ts), and writes
  // to a third one (db/sqlite-writes.ts). An in-memory database belongs to one connection, so it keeps
  // Bun's client for everything.
  const inMemory = filename === "" || filename === ":memory:";
  const reads = inMemory ? undefined : withCachedReads(sql, filename);
  const writes = inMemory ? undefined : withCachedWrites(filename, { beforeCommit: reads?.refresh });
  const commits = new GroupCommit(writes?.sql ?? sql, options.maxWriteBatch);
  return {
    sql: reads?.sql ?? sql,
    dialect: "sqlite",
    write: (work) => commits.write(work),
    ping: async () => {
      await sql`SELECT 1`;
    },
    close: async () => {
      await commits.settled();
      writes?.close();
      reads?.close();
      await sql.close();
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const connection = options.schema ? { search_path: options.schema } : undefined;
  const sql = new SQL({
    url,
    max: options.maxConnections ?? 10,
    idleTimeout: 30,
    connectionTimeout: 5,
    ...(connection ? { connection } : {}),
  });
  if (options.schema) await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  return {
    sql,
    dialect: "postgres",
    write: (work) => sql.begin((tx) => work(tx as unknown as SQL)),
    ping: async () => {
      await sql`SELECT 1`;
    },
    close: () => sql.close({ timeout: 5 }),
  };
}
