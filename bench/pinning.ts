/**
 * CPU pinning for the run: servers on one core, the load generator (wrk, the Node clients) on another,
 * with util-linux's `taskset`, so the two never take CPU from each other. With one core, or without
 * taskset, nothing is pinned and the report says so.
 */
import { existsSync } from "node:fs";
import { cpus } from "node:os";

export interface Pinning {
  pinned: boolean;
  /** Prefix for server commands, e.g. ["taskset", "-c", "1"]; empty when not pinned. */
  server: string[];
  /** Prefix for load-generator commands. */
  load: string[];
  /** One sentence for the report. */
  description: string;
}

const TASKSET = ["/usr/bin/taskset", "/bin/taskset"];
export const SERVER_CORE = 1;
export const LOAD_CORE = 0;

let chosen: Pinning | undefined;

/** Decided once per run: every server and load generator of the run is pinned the same way. */
export function pinning(): Pinning {
  chosen ??= choosePinning(
    cpus().length,
    TASKSET.find((path) => existsSync(path)),
  );
  return chosen;
}

export function choosePinning(cores: number, taskset: string | undefined): Pinning {
  const unpinned = (why: string): Pinning => ({
    pinned: false,
    server: [],
    load: [],
    description: `not pinned (${why}): servers and load share every core`,
  });
  if (cores < 2) return unpinned(`${cores} core`);
  if (!taskset) return unpinned("taskset not found; apt-get install util-linux");
  // A container may be limited to fewer cores than the machine shows: try the pin before relying on it.
  const probe = Bun.spawnSync([taskset, "-c", String(SERVER_CORE), "true"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (probe.exitCode !== 0)
    return unpinned(`taskset -c ${SERVER_CORE} failed: ${probe.stderr.toString().trim()}`);
  return {
    pinned: true,
    server: [taskset, "-c", String(SERVER_CORE)],
    load: [taskset, "-c", String(LOAD_CORE)],
    description: `servers pinned to core ${SERVER_CORE}, load generator to core ${LOAD_CORE} (taskset)`,
  };
}
