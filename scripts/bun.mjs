#!/usr/bin/env node
// Runs the pinned Bun (from npm) with the given arguments, so a fresh machine with only Node and
// npm can use every root script. On first use it installs Bun into .tools/ and the workspace
// packages from bun.lock; later runs reuse both unless the lockfile changed.
// Both installs write their progress to stderr (fd 2), never stdout: a caller that captures the
// script's output, e.g. `deploys="$(bun run release:plan --json …)"` in a workflow, must get the
// script's output and nothing else (test/release/workflow-steps.test.ts).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.bun;

function fail(message) {
  console.error(`scripts/bun.mjs: ${message}`);
  process.exit(1);
}

function pinnedBun() {
  if (process.versions.bun === pinned) return process.execPath;
  const toolDir = join(root, ".tools", `bun-${pinned}`);
  const binary = join(toolDir, "node_modules", "bun", "bin", "bun.exe");
  if (!existsSync(binary)) {
    mkdirSync(toolDir, { recursive: true });
    console.error(`Installing Bun ${pinned} from npm into .tools/ (first run only)…`);
    const npm = spawnSync(
      "npm",
      ["install", "--prefix", toolDir, "--no-save", "--no-audit", "--no-fund", `bun@${pinned}`],
      { stdio: ["ignore", 2, 2] },
    );
    if (npm.status !== 0 || !existsSync(binary)) fail(`could not install bun@${pinned} with npm`);
  }
  return binary;
}

function lockDigest() {
  const hash = createHash("sha256");
  for (const file of [
    "bun.lock",
    "package.json",
    "service-kit/package.json",
    "product-service/package.json",
    "order-service/package.json",
    "reservation-contract/package.json",
  ]) {
    const path = join(root, file);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest("hex");
}

function ensureWorkspaceInstalled(bun) {
  const stamp = join(root, "node_modules", ".install-stamp");
  const digest = lockDigest();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return;
  const frozen = existsSync(join(root, "bun.lock")) ? ["--frozen-lockfile"] : [];
  const install = spawnSync(bun, ["install", ...frozen], {
    cwd: root,
    stdio: ["ignore", 2, 2],
  });
  if (install.status !== 0) fail("bun install failed; see the output above");
  writeFileSync(stamp, digest);
}

const bun = pinnedBun();
ensureWorkspaceInstalled(bun);
const env = {
  ...process.env,
  PATH: `${join(dirname(bun), "..", "..", ".bin")}:${join(root, "node_modules", ".bin")}:${process.env.PATH}`,
};
const child = spawn(bun, process.argv.slice(2), { cwd: root, stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
