/**
 * Runs the MCP Inspector CLI (`mcp-inspector --cli`, the devDependency's own launcher) against a URL,
 * one process per method as a person at a terminal would. It gets an empty HOME and its own catalog
 * and client-config paths, so nothing is read from or written to the real home, and only PATH from
 * our environment: it reaches nothing but the loopback URL it is given.
 */
import { join } from "node:path";
import { tempDir } from "./service-process.ts";

const root = join(import.meta.dir, "..", "..");
const LAUNCHER = join(
  root,
  "node_modules",
  "@modelcontextprotocol",
  "inspector",
  "clients",
  "launcher",
  "build",
  "index.js",
);

/** `legacy` speaks 2025-11-25 with a session; `modern` speaks 2026-07-28, stateless. */
export type InspectorEra = "legacy" | "modern";

export interface InspectorRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A bounded run: the process is killed after `timeoutMs`, and the test then sees a non-zero exit. */
export async function runInspector(url: string, args: string[], timeoutMs = 30_000): Promise<InspectorRun> {
  const home = tempDir("inspector-home-");
  const child = Bun.spawn(["node", LAUNCHER, "--cli", url, "--connect-timeout", "10000", ...args], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      MCP_CATALOG_PATH: join(home, "catalog.json"),
      MCP_CLIENT_CONFIG_PATH: join(home, "client.json"),
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** The `result` of a `--format json` run; throws with everything the CLI printed otherwise. */
export async function inspectorResult<T>(url: string, era: InspectorEra, args: string[]): Promise<T> {
  const run = await runInspector(url, [...args, "--protocol-era", era, "--format", "json"]);
  if (run.exitCode !== 0) {
    throw new Error(`inspector ${args.join(" ")} exited ${run.exitCode}:\n${run.stdout}\n${run.stderr}`);
  }
  return (JSON.parse(run.stdout) as { result: T }).result;
}
