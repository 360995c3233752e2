/** The compiled service binaries the cluster runs, rebuilt with scripts/build.ts when a source is newer. */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export type ServiceName = "product-service" | "order-service";

const root = join(import.meta.dir, "..", "..");

function newestMtime(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of dirs) walk(dir);
  return newest;
}

function mtimeOrZero(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** dist/<service>, compiled first when missing or older than service-kit/src or the service's sources. */
export function ensureBinary(service: ServiceName, log: (line: string) => void = () => undefined): string {
  const binary = join(root, "dist", service);
  const sources = newestMtime([join(root, "service-kit", "src"), join(root, service)]);
  if (mtimeOrZero(binary) >= sources) return binary;
  log(`building ${service} (sources are newer than ${binary})`);
  const build = Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts"), "--service", service], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) {
    throw new Error(`building ${service} failed:\n${build.stderr.toString()}${build.stdout.toString()}`);
  }
  return binary;
}
