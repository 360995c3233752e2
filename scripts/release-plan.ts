/**
 * Which services to deploy after a release.
 *
 * Input is the `published-packages` output of changesets/action (`[{"name","version"}]`). A package is a
 * deployable service when `copilot/<name>/manifest.yml` exists; other workspace packages (service-kit)
 * are libraries and are skipped; a name that is neither is an error, because deploying "nothing" for a
 * typo would hide a broken release.
 *
 * CLI: bun scripts/release-plan.ts [--json] [--copilot-dir copilot] '<published-packages JSON>'
 *   prints one service per line, or with --json `[{"service":…,"version":…}]` for a job matrix.
 *   Exit 2 on bad input.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

export interface PlannedDeploy {
  service: string;
  version: string;
}

export class ReleasePlanError extends Error {
  override readonly name = "ReleasePlanError";
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const PACKAGE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

function parsePublished(json: string): PlannedDeploy[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ReleasePlanError(
      `published-packages is not valid JSON: ${JSON.stringify(json.slice(0, 80))}. Expected [{"name":"product-service","version":"1.4.0"}].`,
    );
  }
  if (!Array.isArray(value)) {
    throw new ReleasePlanError('published-packages must be a JSON array like [{"name":"…","version":"…"}].');
  }
  return value.map((entry, index): PlannedDeploy => {
    const item = entry as { name?: unknown; version?: unknown } | null;
    if (typeof item?.name !== "string" || typeof item.version !== "string") {
      throw new ReleasePlanError(
        `published-packages[${index}] must have string "name" and "version", got ${JSON.stringify(entry)}.`,
      );
    }
    if (!PACKAGE_NAME.test(item.name)) {
      throw new ReleasePlanError(
        `published-packages[${index}].name "${item.name}" is not a valid package name.`,
      );
    }
    if (!SEMVER.test(item.version)) {
      throw new ReleasePlanError(
        `published-packages[${index}].version "${item.version}" for ${item.name} is not a semantic version (e.g. 1.4.0).`,
      );
    }
    return { service: item.name, version: item.version };
  });
}

/** Names of the workspace packages declared in the root package.json next to the copilot directory. */
function workspacePackageNames(rootDir: string): Set<string> {
  const names = new Set<string>();
  const rootManifest = join(rootDir, "package.json");
  if (!existsSync(rootManifest)) return names;
  const root = JSON.parse(readFileSync(rootManifest, "utf8")) as { workspaces?: unknown };
  const workspaces = Array.isArray(root.workspaces) ? root.workspaces : [];
  for (const workspace of workspaces) {
    if (typeof workspace !== "string") continue;
    const manifest = join(rootDir, workspace, "package.json");
    if (!existsSync(manifest)) continue;
    const name = (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name;
    if (typeof name === "string") names.add(name);
  }
  return names;
}

/** Released services with their versions, in input order. Throws ReleasePlanError on bad input. */
export function planDeploys(publishedPackagesJson: string, copilotDir: string): PlannedDeploy[] {
  const published = parsePublished(publishedPackagesJson);
  const workspace = workspacePackageNames(dirname(resolve(copilotDir)));
  const planned: PlannedDeploy[] = [];
  for (const release of published) {
    const isService = existsSync(join(copilotDir, release.service, "manifest.yml"));
    if (!isService) {
      if (workspace.has(release.service)) continue; // a library such as service-kit: nothing to deploy
      throw new ReleasePlanError(
        `"${release.service}" was released but is neither a service (no ${join(copilotDir, release.service, "manifest.yml")}) nor a workspace package. Check the package name, or add its Copilot manifest.`,
      );
    }
    const earlier = planned.find((p) => p.service === release.service);
    if (earlier) {
      if (earlier.version === release.version) continue;
      throw new ReleasePlanError(
        `"${release.service}" appears twice with versions ${earlier.version} and ${release.version}; a release publishes one version per service.`,
      );
    }
    planned.push(release);
  }
  return planned;
}

/** The services to deploy for a `published-packages` JSON value. */
export function planRelease(publishedPackagesJson: string, copilotDir: string): string[] {
  return planDeploys(publishedPackagesJson, copilotDir).map((deploy) => deploy.service);
}

function main(argv: string[]): number {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    console.error(`release-plan: ${(error as Error).message}`);
    console.error(
      "Usage: bun scripts/release-plan.ts [--json] [--copilot-dir copilot] '<published-packages JSON>'",
    );
    return 2;
  }
  const [json] = parsed.positionals;
  if (json === undefined || parsed.positionals.length > 1) {
    console.error(
      'release-plan: give the published-packages JSON as one argument, e.g. \'[{"name":"product-service","version":"1.4.0"}]\'.',
    );
    return 2;
  }
  try {
    const deploys = planDeploys(json, parsed.values["copilot-dir"] ?? "copilot");
    if (parsed.values.json) console.log(JSON.stringify(deploys));
    else for (const deploy of deploys) console.log(deploy.service);
    return 0;
  } catch (error) {
    if (!(error instanceof ReleasePlanError)) throw error;
    console.error(`release-plan: ${error.message}`);
    return 2;
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { json: { type: "boolean" }, "copilot-dir": { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
