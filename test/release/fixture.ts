/**
 * A throwaway copy of the repository's release-relevant shape: root and workspace package.json files,
 * the .changeset config, and minimal copilot/ service and environment directories. The copilot/ tree
 * is written here, not copied, so these tests do not depend on the real manifests' contents.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = join(import.meta.dir, "..", "..");
export const SERVICES = ["product-service", "order-service"] as const;
export const WORKSPACES = ["service-kit", "product-service", "order-service"] as const;
export const ENVIRONMENTS = ["staging", "production"] as const;

export interface Fixture {
  dir: string;
  copilotDir: string;
  cleanup(): void;
}

export function makeFixture(prefix = "release-fixture-"): Fixture {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, "package.json"), readFileSync(join(repoRoot, "package.json")));
  for (const workspace of WORKSPACES) {
    mkdirSync(join(dir, workspace), { recursive: true });
    writeFileSync(
      join(dir, workspace, "package.json"),
      readFileSync(join(repoRoot, workspace, "package.json")),
    );
  }
  cpSync(join(repoRoot, ".changeset", "config.json"), join(dir, ".changeset", "config.json"));
  const copilotDir = join(dir, "copilot");
  for (const service of SERVICES) {
    mkdirSync(join(copilotDir, service), { recursive: true });
    writeFileSync(
      join(copilotDir, service, "manifest.yml"),
      `name: ${service}\ntype: Load Balanced Web Service\n`,
    );
  }
  for (const env of ENVIRONMENTS) {
    mkdirSync(join(copilotDir, "environments", env), { recursive: true });
    writeFileSync(join(copilotDir, "environments", env, "manifest.yml"), `name: ${env}\ntype: Environment\n`);
  }
  writeFileSync(join(copilotDir, ".workspace"), "application: retail-mcp\n");
  return { dir, copilotDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fake `copilot` on PATH that appends its argv (one line, space-joined) to a log and exits `exitCode`. */
export function fakeCopilot(dir: string, exitCode = 0): { binDir: string; log: string } {
  const binDir = join(dir, "fake-bin");
  const log = join(dir, "copilot-calls.log");
  mkdirSync(binDir, { recursive: true });
  writeFileSync(
    join(binDir, "copilot"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\necho "fake copilot: $*"\nexit ${exitCode}\n`,
    { mode: 0o755 },
  );
  return { binDir, log };
}
