/** The conformance fixture server (fixtures/conformance-server) started from source for a test run. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/support/service-process.ts";

export const FIXTURE_MAIN = join(import.meta.dir, "..", "fixtures", "conformance-server", "src", "main.ts");

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts the fixture from source under the pinned Bun, on a free port with a temporary database. */
export async function startFixture(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "conformance-fixture-"));
  const child = Bun.spawn([process.execPath, FIXTURE_MAIN, "serve"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      DATABASE_URL: `sqlite://${join(dir, "fixture.sqlite")}`,
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = new Response(child.stderr).text();
  void new Response(child.stdout).text();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the fixture exited with ${child.exitCode}: ${await output}`);
    const ready = await fetch(`${base}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("the fixture was not ready within 15 s");
    }
    await Bun.sleep(50);
  }
  return {
    url: `${base}/mcp`,
    stop: async () => {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
