/**
 * The command line every service binary shares: serve (default), migrate, seed FILE, healthcheck,
 * version, --help. Exit codes: 0 ok, 1 failure, 2 bad usage or configuration.
 */
import type { z } from "zod";
import { startService } from "./app/start.ts";
import { resolveAuth } from "./auth/auth-config.ts";
import { runKeysCommand } from "./auth/keys-command.ts";
import { isLoopbackHost, type KitConfig, loadConfigOrExit } from "./config.ts";
import type { ChangePublisher } from "./events/change-bus.ts";
import { changeChannel } from "./events/change-event.ts";
import { notifyPublisher } from "./events/postgres-bus.ts";
import { LISTENING_MESSAGE } from "./listening.ts";
import { createLogger, resolveLogFormat, stdoutSink } from "./log.ts";
import { createMetrics, noMetrics } from "./metrics.ts";
import { openServiceDatabase, type ServiceDefinition } from "./service.ts";
import { onShutdownSignal } from "./shutdown.ts";
import { buildInfo } from "./version.ts";

export interface SeedCommand<C extends KitConfig> {
  /** Validates and imports the file, all or nothing; returns a one-line summary. */
  run(
    deps: { config: C; db: import("./db.ts").Database; changes?: ChangePublisher },
    data: unknown,
  ): Promise<string>;
}

export interface CliOptions<C extends KitConfig> {
  definition: ServiceDefinition<C>;
  configSchema: z.ZodType<C>;
  seed?: SeedCommand<C>;
}

function usage(name: string): string {
  return `Usage: ${name} [command]

Commands:
  serve              start the MCP server (default)
  migrate            apply database migrations and exit
  seed FILE          import a JSON file into the database (validated, all or nothing)
  healthcheck        exit 0 if /health answers on the configured port, else 1
  version            print the version and git commit
  keys create --principal P --scopes S1,S2 [--expires-at ISO]
                     make a new API key: prints the key once and the record to store in SSM
  --help             show this help

Configuration comes from environment variables; see the README.`;
}

export async function runCli<C extends KitConfig>(argv: string[], options: CliOptions<C>): Promise<number> {
  const { definition } = options;
  const name = definition.info.name;
  const [command = "serve", ...rest] = argv;
  switch (command) {
    case "--help":
    case "-h":
    case "help":
      console.log(usage(name));
      return 0;
    case "version":
    case "--version": {
      const build = buildInfo();
      console.log(`${name} ${definition.info.version} (git ${build.gitSha})`);
      return 0;
    }
    case "healthcheck":
      return healthcheck(options);
    case "migrate": {
      const config = loadConfigOrExit(options.configSchema);
      const db = await openServiceDatabase(definition, config);
      await db.close();
      console.log(`${name}: migrations applied`);
      return 0;
    }
    case "seed":
      return seed(options, rest[0]);
    case "serve":
      return serve(options);
    case "keys":
      return runKeysCommand(rest);
    default:
      console.error(`${name}: unknown command "${command}"\n\n${usage(name)}`);
      return 2;
  }
}

async function healthcheck<C extends KitConfig>(options: CliOptions<C>): Promise<number> {
  const config = loadConfigOrExit(options.configSchema);
  if (config.PORT === 0) {
    console.error("healthcheck needs the port the server listens on; PORT=0 names none (set PORT)");
    return 2;
  }
  const url = `http://127.0.0.1:${config.PORT}${config.BASE_PATH}/health`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return response.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

async function seed<C extends KitConfig>(options: CliOptions<C>, file: string | undefined): Promise<number> {
  const name = options.definition.info.name;
  if (!options.seed) {
    console.error(`${name}: this service has no seed data`);
    return 2;
  }
  if (!file) {
    console.error(`${name}: seed needs a file, e.g. ${name} seed catalog.json`);
    return 2;
  }
  const config = loadConfigOrExit(options.configSchema);
  // A catalogue file may hold many thousand rows: its validation loop should be JIT-compiled as usual
  // (the binary starts with the JIT held back, see serve).
  Bun.unsafe.setJITPolicy(1);
  let data: unknown;
  try {
    data = JSON.parse(await Bun.file(file).text());
  } catch (error) {
    const reason = error instanceof SyntaxError ? "it is not valid JSON" : "it cannot be read";
    console.error(`${name}: cannot seed from ${file}: ${reason}`);
    return 1;
  }
  const db = await openServiceDatabase(options.definition, config);
  // On PostgreSQL the serving instances hear what the import changed; a SQLite file's one instance
  // runs in another process, which an in-process bus cannot reach.
  const changes = db.dialect === "postgres" ? notifyPublisher(db.sql, changeChannel(name)) : undefined;
  try {
    console.log(await options.seed.run({ config, db, ...(changes ? { changes } : {}) }, data));
    return 0;
  } catch (error) {
    console.error(
      `${name}: seed failed, nothing was imported:\n${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

async function serve<C extends KitConfig>(options: CliOptions<C>): Promise<number> {
  const config = loadConfigOrExit(options.configSchema);
  const auth = resolveAuth(config, isLoopbackHost(config.HOST));
  if (!auth.ok) {
    console.error(`config error: ${auth.problem}`);
    return 2;
  }
  const { definition } = options;
  const format = resolveLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true);
  const base = { service: definition.info.name };
  const log = createLogger(config.LOG_LEVEL, base, stdoutSink, format);
  // Metrics ride on JSON lines for CloudWatch; a person reading pretty lines has no use for them.
  const metrics = format === "pretty" ? noMetrics : createMetrics(definition.info.name);
  let running: Awaited<ReturnType<typeof startService<C>>>;
  try {
    running = await startService(definition, config, log, metrics);
  } catch (error) {
    log.error("could not start", { error: error instanceof Error ? error.message : String(error) });
    return 1;
  }
  // The compiled binary starts with the JIT held back for run-once start-up code (scripts/build.ts,
  // --compile-jit-policy); from here on code runs per request and is compiled as usual.
  Bun.unsafe.setJITPolicy(1);
  // Written at any LOG_LEVEL, with the bound port: with PORT=0 this line is the only place it is told.
  createLogger("info", base, stdoutSink, format).info(LISTENING_MESSAGE, {
    url: running.url,
    port: running.port,
    version: definition.info.version,
  });
  return new Promise<number>((resolve) => {
    onShutdownSignal((signal) => {
      running.shutdown(signal).then(
        () => resolve(0),
        (error) => {
          log.error("shutdown failed", { error: String(error) });
          resolve(1);
        },
      );
    });
  });
}
