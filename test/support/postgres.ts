/**
 * A real PostgreSQL for tests. `.ci/run` starts one from Debian's package and exports
 * TEST_DATABASE_URL; without it, `startPostgres()` runs initdb into a temporary folder itself.
 * Each test gets its own database from `createTestDatabase()` so tests cannot see each other's rows.
 */
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { retryOnBindFailure } from "./service-process.ts";
import { tempDir } from "./temp-dir.ts";

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
  /** Stops the server when process `pid` ends, however it ends. */
  stopWhenProcessEnds?(pid: number): void;
}

function debianBinDir(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(base, version, "bin");
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  return undefined;
}

function asPostgresUser(argv: string[]): string[] {
  // PostgreSQL refuses to run as root; CI runs as root.
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = debianBinDir();
  if (!bin)
    throw new Error("PostgreSQL is not installed: apt-get install postgresql (or set TEST_DATABASE_URL)");
  const dir = tempDir("retail-pg-", { keep: true });
  if (process.getuid?.() === 0) {
    const ids = Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim();
    const gid = Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = join(dir, "data");
  const init = Bun.spawnSync(
    asPostgresUser([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`);
  const log = join(dir, "postgres.log");
  // PostgreSQL cannot bind port 0, so it gets a fresh port again when the one it was given is taken.
  const port = await retryOnBindFailure(async (candidate) => {
    const start = Bun.spawnSync(
      asPostgresUser([
        join(bin, "pg_ctl"),
        "-D",
        data,
        "-l",
        log,
        "-o",
        `-c listen_addresses=127.0.0.1 -p ${candidate} -k ${dir} -c max_connections=300 -c fsync=on`,
        "-w",
        "start",
      ]),
      { stdout: "pipe", stderr: "pipe" },
    );
    if (start.exitCode !== 0) {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8") : "";
      throw new Error(
        `pg_ctl start failed: ${start.stderr.toString()}${start.stdout.toString()}${serverLog}`,
      );
    }
    return candidate;
  });
  const stopArgv = asPostgresUser([join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      Bun.spawnSync(stopArgv);
      rmSync(dir, { recursive: true, force: true });
    },
    stopWhenProcessEnds: (pid: number) => {
      // Exit hooks do not run when a test process is killed or ends abruptly; a watchdog outside it
      // stops the server once that process is gone, so no database outlives its tests.
      const watchdog = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; ${stopArgv.map((arg) => `'${arg}'`).join(" ")} >/dev/null 2>&1; rm -rf '${dir}'`;
      Bun.spawn(["setsid", "sh", "-c", watchdog], {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "ignore",
      }).unref();
    },
  };
}

/** The server URL from TEST_DATABASE_URL, or undefined when tests should start their own. */
export function configuredPostgresUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL;
  return url?.startsWith("postgres") ? url : undefined;
}

let shared: Promise<PostgresServer> | undefined;

/** One server per test process: the configured one, or one started on first use. */
export function sharedPostgres(): Promise<PostgresServer> {
  const configured = configuredPostgresUrl();
  if (configured) return Promise.resolve({ url: configured, stop: async () => undefined });
  shared ??= startPostgres().then((server) => {
    server.stopWhenProcessEnds?.(process.pid);
    return server;
  });
  return shared;
}

/** A new, empty database on the shared server; returns its URL. */
export async function createTestDatabase(prefix = "test"): Promise<string> {
  const server = await sharedPostgres();
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = new SQL(server.url);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Until at least `count` statements of the server wait on a lock (at most 5 s): they are blocked on held rows. */
export async function waitForLockWaits(sql: SQL, count = 1): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const rows = (await sql`SELECT count(*)::integer AS n FROM pg_locks WHERE NOT granted`) as {
      n: number;
    }[];
    if ((rows[0]?.n ?? 0) >= count) return;
    await Bun.sleep(50);
  }
  throw new Error(`fewer than ${count} statements waited on a lock within 5 s`);
}

/** `sql` with its calls of `method` counted. */
function countingCalls(sql: SQL, method: "begin" | "unsafe"): { sql: SQL; calls: () => number } {
  let calls = 0;
  const counted = new Proxy(sql, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === method) {
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { sql: counted, calls: () => calls };
}

/** `sql` with its `begin` calls counted: one per transaction that code under test opens on it. */
export function countingTransactions(sql: SQL): { sql: SQL; transactions: () => number } {
  const counted = countingCalls(sql, "begin");
  return { sql: counted.sql, transactions: counted.calls };
}

/** `sql` with its `unsafe` calls counted: one per statement that code under test sends that way. */
export function countingStatements(sql: SQL): { sql: SQL; statements: () => number } {
  const counted = countingCalls(sql, "unsafe");
  return { sql: counted.sql, statements: counted.calls };
}
