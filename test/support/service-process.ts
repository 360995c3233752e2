/**
 * Starts compiled service binaries for black-box tests: PORT=0 (the OS binds a free loopback port and
 * the service names it in its `listening` log line), a temporary SQLite file unless told otherwise,
 * and a wait for /ready. Logs are captured for assertions.
 */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { waitForListeningPort } from "service-kit/testing";
import { ensureBuilt } from "../../scripts/build.ts";

export type ServiceName = "product-service" | "order-service";

/** The service token every started service gets unless a test passes its own INTERNAL_TOKEN. */
export const TEST_INTERNAL_TOKEN = "test-internal-token-0123456789abcdef";

const builds = new Map<ServiceName, Promise<string>>();

/** Path to dist/<service>, compiled again if any source is newer than the binary. */
export function binaryPath(service: ServiceName): Promise<string> {
  let build = builds.get(service);
  if (!build) {
    build = ensureBuilt(service);
    builds.set(service, build);
  }
  return build;
}

/**
 * A loopback port where nothing listens now, as a target that refuses connections. The OS handed it
 * out and took it back, so another process may take it: bind it only through `retryOnBindFailure`.
 */
export async function unusedPort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = server.port as number;
  await server.stop(true);
  return port;
}

/** What a server prints when its port was taken between our choosing it and its bind. */
const BIND_FAILURE = /EADDRINUSE|address already in use|Is port \d+ in use/i;

export function isBindFailure(output: string): boolean {
  return BIND_FAILURE.test(output);
}

/**
 * For servers that must know their port before they start (nginx, PostgreSQL, a service whose own
 * config names its URL): tries `start` on a fresh unused port, again when the bind fails. Any other
 * failure, and the last bind failure, is thrown.
 */
export async function retryOnBindFailure<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await unusedPort());
    } catch (error) {
      if (attempt >= attempts || !isBindFailure(String(error))) throw error;
    }
  }
}

import { tempDir } from "./temp-dir.ts";

export { tempDir };

export interface ServiceHandle {
  service: ServiceName;
  port: number;
  /** http://127.0.0.1:PORT + BASE_PATH */
  baseUrl: string;
  mcpUrl: string;
  env: Record<string, string>;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  /** JSON log lines printed so far. */
  logLines(): Record<string, unknown>[];
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number>;
  /** SIGKILL, no cleanup: for crash tests. */
  kill(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Keep the same database across restarts by passing the DATABASE_URL of an earlier start. */
  databaseUrl?: string;
  /**
   * A port to bind instead of PORT=0: only to come back on the port this service held before a
   * restart, or inside `retryOnBindFailure` when the service's env must name its own port.
   */
  port?: number;
  readyTimeoutMs?: number;
}

export async function startService(service: ServiceName, options: StartOptions = {}): Promise<ServiceHandle> {
  const binary = await binaryPath(service);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    HOST: "127.0.0.1",
    PORT: String(options.port ?? 0),
    LOG_LEVEL: "info",
    DATABASE_URL: options.databaseUrl ?? `sqlite://${join(tempDir(), `${service}.sqlite`)}`,
    // The internal API always needs a token; both services started by a test share this one unless
    // the test sets its own (or INTERNAL_TOKEN: "" to start without).
    INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
    ...options.env,
  };
  const child = Bun.spawn([binary, "serve"], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let captured = "";
  const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) captured += decoder.decode(chunk, { stream: true });
  };
  void pump(child.stdout);
  void pump(child.stderr);
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  let port: number;
  try {
    port = await waitForListeningPort({
      name: service,
      output: () => captured,
      exitCode: () => child.exitCode,
      timeoutMs: readyTimeoutMs,
    });
  } catch (error) {
    child.kill("SIGKILL");
    await child.exited;
    throw error;
  }
  const basePath = env.BASE_PATH ?? "";
  const baseUrl = `http://127.0.0.1:${port}${basePath}`;
  const handle: ServiceHandle = {
    service,
    port,
    baseUrl,
    mcpUrl: `${baseUrl}/mcp`,
    env,
    process: child,
    output: () => captured,
    logLines: () =>
      captured
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop: async () => {
      child.kill("SIGTERM");
      return child.exited;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
  await waitForReady(handle, readyTimeoutMs);
  return handle;
}

async function waitForReady(handle: ServiceHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.process.exitCode !== null) {
      throw new Error(
        `${handle.service} exited with ${handle.process.exitCode} before it was ready:\n${handle.output()}`,
      );
    }
    try {
      const response = await fetch(`${handle.baseUrl}/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  await handle.kill();
  throw new Error(`${handle.service} was not ready within ${timeoutMs} ms:\n${handle.output()}`);
}

export interface ExitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `<service> serve` expecting it to stop by itself (a refused start); killed after `timeoutMs`. */
export async function runToExit(
  service: ServiceName,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ExitResult> {
  const proc = Bun.spawn([await binaryPath(service), "serve"], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The protocol revision the service logged for its latest `tools/call` of `tool`. */
/**
 * The first log line after line `since` that `matches`, waited for up to 3 s: the service writes its
 * log in batches (service-kit/src/log.ts) and through a pipe, so a line can trail the answer it
 * describes. Take `since` as `service.logLines().length` before the request.
 */
export async function waitForLogLine(
  service: ServiceHandle,
  matches: (line: Record<string, unknown>) => boolean,
  since = 0,
): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const line = service.logLines().slice(since).find(matches);
    if (line || Date.now() >= deadline) return line;
    await Bun.sleep(20);
  }
}

/** The protocol revision of the first call to `tool` logged after line `since` (see waitForLogLine). */
export async function loggedProtocol(service: ServiceHandle, tool: string, since: number): Promise<unknown> {
  const line = await waitForLogLine(service, (each) => each.msg === "request" && each.tool === tool, since);
  return line?.protocol;
}
