/** The conformance fixture server (fixtures/conformance-server) started from source for a test run. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitForListeningPort } from "service-kit/testing";

export const FIXTURE_MAIN = join(import.meta.dir, "..", "fixtures", "conformance-server", "src", "main.ts");

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts the fixture from source under the pinned Bun, on a port the OS picks, with a temporary database. */
export async function startFixture(env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), "conformance-fixture-"));
  const child = Bun.spawn([process.execPath, FIXTURE_MAIN, "serve"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "warn",
      DATABASE_URL: `sqlite://${join(dir, "fixture.sqlite")}`,
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void pump(child.stdout);
  void pump(child.stderr);
  let port: number;
  try {
    port = await waitForListeningPort({
      name: "the conformance fixture",
      output: () => output,
      exitCode: () => child.exitCode,
      timeoutMs: 15_000,
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/mcp`,
    stop: async () => {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
