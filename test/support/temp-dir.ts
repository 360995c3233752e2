/**
 * Temporary folders for tests, the benchmark and the local cluster. Each is removed once the process
 * that made it has ended, so repeated runs do not fill the disk (databases and PostgreSQL data folders
 * take tens to hundreds of MB each).
 */
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let cleanupList: string | undefined;

/**
 * `bun test` fires no exit event, and a killed process fires none either, so a watchdog outside this
 * process removes the listed folders once it is gone.
 */
function listForRemoval(dir: string): void {
  if (!cleanupList) {
    cleanupList = join(tmpdir(), `retail-cleanup-${process.pid}-${Date.now()}.list`);
    appendFileSync(cleanupList, "");
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; while IFS= read -r d; do rm -rf -- "$d"; done < '${cleanupList}'; rm -f '${cleanupList}'`;
    Bun.spawn(["setsid", "sh", "-c", script], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    }).unref();
  }
  appendFileSync(cleanupList, `${dir}\n`);
}

/** A new empty folder under the OS temp folder, removed after this process ends unless `keep` is set. */
export function tempDir(prefix = "retail-mcp-test-", options: { keep?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!options.keep) listForRemoval(dir);
  return dir;
}
