/**
 * A PostgreSQL server owned by the local cluster: initdb into a temporary folder, loopback only, a free
 * port, and stop/start on the same data folder so fault tests can restart it under load (the stand-in
 * for an Aurora failover or reboot). Runs as the `postgres` user when we are root, since PostgreSQL
 * refuses to run as root.
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBindFailure, unusedPort } from "../../test/support/service-process.ts";

export interface ClusterPostgres {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Where the data folder and the server log live. */
  readonly dir: string;
  isRunning(): boolean;
  /** Fast shutdown: open connections are closed, as in a database restart. */
  stop(): Promise<void>;
  /** Immediate shutdown: every process exits at once, no checkpoint; the next start replays the WAL. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its folder. */
  destroy(): Promise<void>;
}

function postgresBinDir(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const dir = join(base, version, "bin");
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  throw new Error(
    "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). Install it with " +
      "`apt-get install postgresql`, or pass --database-url to use a server you already run.",
  );
}

const runningAsRoot = process.getuid?.() === 0;

function asPostgresUser(argv: string[]): string[] {
  return runningAsRoot ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
}

function run(argv: string[], what: string): void {
  const result = Bun.spawnSync(asPostgresUser(argv), { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${result.exitCode}): ${result.stderr.toString()}${result.stdout}`);
  }
}

export async function startClusterPostgres(): Promise<ClusterPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "retail-cluster-pg-"));
  if (runningAsRoot) {
    const uid = Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim());
    const gid = Number(Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  run([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"], "initdb");
  let port = await unusedPort();
  let running = false;
  const pgCtl = (...args: string[]): string[] => [join(bin, "pg_ctl"), "-D", data, ...args];
  const startOn = (candidate: number): void => {
    const options = `-c listen_addresses=127.0.0.1 -p ${candidate} -k ${dir} -c max_connections=400`;
    run(pgCtl("-l", join(dir, "postgres.log"), "-o", options, "-w", "start"), "pg_ctl start");
  };
  const server: ClusterPostgres = {
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    get port() {
      return port;
    },
    dir,
    isRunning: () => running,
    // A restart comes back on the same port: the tasks' DATABASE_URL names it, as Aurora's endpoint
    // stays the same across a failover.
    start: async () => {
      startOn(port);
      running = true;
    },
    stop: async () => {
      if (!running) return;
      run(pgCtl("-m", "fast", "-w", "stop"), "pg_ctl stop");
      running = false;
    },
    crash: async () => {
      if (!running) return;
      run(pgCtl("-m", "immediate", "-w", "stop"), "pg_ctl stop -m immediate");
      running = false;
    },
    destroy: async () => {
      if (running) await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // PostgreSQL cannot bind port 0: the first start takes a fresh port again if its port was taken.
  for (let attempt = 1; !running; attempt++) {
    try {
      await server.start();
    } catch (error) {
      if (attempt >= 5 || !isBindFailure(String(error) + postgresLog(dir))) throw error;
      port = await unusedPort();
    }
  }
  return server;
}

function postgresLog(dir: string): string {
  const file = join(dir, "postgres.log");
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** URL of `database` on the same server as `serverUrl`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
