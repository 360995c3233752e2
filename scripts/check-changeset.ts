/**
 * Pull-request gate: a change to a released package must come with a changeset that names it.
 *
 * Input: the files the pull request changed (`git diff --name-only origin/main...HEAD`) and the
 * contents of the `.changeset/` directory at HEAD. Only changesets the pull request itself adds or edits
 * count, so an older pending changeset cannot cover an unrelated change. An empty changeset
 * (`changeset --empty`) is the explicit "no release needed" answer.
 *
 * CLI: git diff --name-only origin/main...HEAD | bun scripts/check-changeset.ts [--changeset-dir .changeset]
 *        [--branch <head ref>]
 * Exit 0 when fine, 1 with instructions when a changeset is missing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

/**
 * Released packages and the directory each lives in. The libraries are versioned too: a change to one
 * bumps the services that bundle it (updateInternalDependents in .changeset/config.json).
 */
export const RELEASED_PACKAGES: Readonly<Record<string, string>> = {
  "product-service": "product-service/",
  "order-service": "order-service/",
  "service-kit": "service-kit/",
  "reservation-contract": "reservation-contract/",
};

export interface ChangesetFile {
  /** File name inside .changeset/, e.g. "brave-lions-dance.md". */
  name: string;
  content: string;
}

export interface ChangesetCheckInput {
  changedFiles: string[];
  changesetDir: ChangesetFile[];
  /** Head branch of the pull request; the bot's Version Packages branch is exempt. */
  branch?: string;
}

export type ChangesetCheckResult = { ok: true; summary: string } | { ok: false; message: string };

/** Changes that never ship in a binary: tests, docs and the changelog changesets write. */
function affectsRelease(file: string): boolean {
  return !/(\.test\.ts|\.md)$/.test(file) && !file.includes("/test/");
}

/** Package names in a changeset's front matter (`"name": patch` lines); [] for an empty changeset. */
export function packagesInChangeset(content: string): string[] | undefined {
  const match = /^---\r?\n([\s\S]*?)^---\s*$/m.exec(content);
  if (match?.index !== 0) return undefined;
  const names: string[] = [];
  for (const line of (match[1] ?? "").split(/\r?\n/)) {
    const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch|none)\s*$/.exec(line);
    if (entry?.[1]) names.push(entry[1].trim());
    else if (line.trim() !== "") return undefined;
  }
  return names;
}

export function checkChangeset(input: ChangesetCheckInput): ChangesetCheckResult {
  if (input.branch?.startsWith("changeset-release/")) {
    return { ok: true, summary: "Version Packages pull request: it consumes changesets, it needs none." };
  }
  const changedPackages = Object.entries(RELEASED_PACKAGES)
    .filter(([, dir]) => input.changedFiles.some((file) => file.startsWith(dir) && affectsRelease(file)))
    .map(([name]) => name);
  if (changedPackages.length === 0) return { ok: true, summary: "No released package changed." };

  const changed = new Set(input.changedFiles);
  const added = input.changesetDir.filter(
    (file) =>
      file.name.endsWith(".md") && file.name !== "README.md" && changed.has(`.changeset/${file.name}`),
  );
  const malformed = added.filter((file) => packagesInChangeset(file.content) === undefined);
  if (malformed.length > 0) {
    return {
      ok: false,
      message: `These changesets could not be read: ${malformed.map((f) => `.changeset/${f.name}`).join(", ")}. Recreate them with \`bunx --bun changeset\`.`,
    };
  }
  const named = new Set(added.flatMap((file) => packagesInChangeset(file.content) ?? []));
  const unknown = [...named].filter((name) => !(name in RELEASED_PACKAGES));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `Changesets name unknown packages: ${unknown.join(", ")}. Known packages: ${Object.keys(RELEASED_PACKAGES).join(", ")}.`,
    };
  }
  const explicitlyEmpty = added.some((file) => packagesInChangeset(file.content)?.length === 0);
  const missing = changedPackages.filter((name) => !named.has(name));
  if (missing.length === 0) return { ok: true, summary: `Changesets cover: ${changedPackages.join(", ")}.` };
  if (explicitlyEmpty && named.size === 0) {
    return { ok: true, summary: `An empty changeset says ${changedPackages.join(", ")} need no release.` };
  }
  return {
    ok: false,
    message: [
      `This pull request changes ${missing.join(", ")} but no changeset in it names ${missing.length === 1 ? "it" : "them"}.`,
      "Add one, so the change is versioned, logged and deployed:",
      "  bunx --bun changeset          # pick the package(s) and patch/minor/major, write one line",
      "  git add .changeset/*.md && git commit",
      "If the change needs no release (refactor, tooling), add an empty one: bunx --bun changeset --empty",
    ].join("\n"),
  };
}

function readChangesetDir(dir: string): ChangesetFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".md"))
    .map((name) => ({ name, content: readFileSync(join(dir, name), "utf8") }));
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { "changeset-dir": { type: "string" }, branch: { type: "string" } },
    strict: true,
  });
  const changedFiles = (await Bun.stdin.text())
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const result = checkChangeset({
    changedFiles,
    changesetDir: readChangesetDir(values["changeset-dir"] ?? ".changeset"),
    ...(values.branch ? { branch: values.branch } : {}),
  });
  if (result.ok) {
    console.log(`check-changeset: ${result.summary}`);
    return 0;
  }
  console.error(`check-changeset: ${result.message}`);
  return 1;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
