/**
 * Reads the Copilot workspace the way `copilot svc deploy --env X` sees it: the service manifest
 * with `environments.X` merged over it (maps merge key by key, anything else is replaced) and the
 * predefined ${COPILOT_APPLICATION_NAME}/${COPILOT_ENVIRONMENT_NAME} variables substituted.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const repoRoot = join(import.meta.dir, "..", "..");
export const copilotDir = join(repoRoot, "copilot");

export type Manifest = Record<string, unknown>;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function readYaml(path: string): Manifest {
  const value: unknown = parse(readFileSync(path, "utf8"), { uniqueKeys: true });
  if (!isMap(value)) throw new Error(`${path}: expected a YAML mapping at the top level`);
  return value;
}

export function applicationName(): string {
  const workspace = readYaml(join(copilotDir, ".workspace"));
  return String(workspace.application);
}

export function environmentNames(): string[] {
  const dir = join(copilotDir, "environments");
  return readdirSync(dir).filter((name) => existsSync(join(dir, name, "manifest.yml")));
}

export function serviceNames(): string[] {
  return readdirSync(copilotDir).filter(
    (name) => name !== "environments" && existsSync(join(copilotDir, name, "manifest.yml")),
  );
}

export function serviceManifestPath(service: string): string {
  return join(copilotDir, service, "manifest.yml");
}

export function environmentManifestPath(env: string): string {
  return join(copilotDir, "environments", env, "manifest.yml");
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override === undefined ? base : override;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) result[key] = deepMerge(base[key], value);
  return result;
}

/** Substitutes ${NAME} in every string; a name not in `vars` is an error, as in Copilot. */
export function interpolate(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const found = vars[name];
      if (found === undefined) throw new Error(`\${${name}} is not defined`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, vars));
  if (isMap(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)]));
  return value;
}

/** The manifest Copilot deploys to `env`, before interpolation. */
export function mergedForEnvironment(manifest: Manifest, env: string): Manifest {
  const { environments, ...base } = manifest;
  const override = isMap(environments) ? environments[env] : undefined;
  return deepMerge(base, override ?? {}) as Manifest;
}

export function resolvedForEnvironment(manifest: Manifest, env: string): Manifest {
  const vars = { COPILOT_APPLICATION_NAME: applicationName(), COPILOT_ENVIRONMENT_NAME: env };
  return interpolate(mergedForEnvironment(manifest, env), vars) as Manifest;
}

/** Reads a nested field: at(m, "http", "healthcheck", "path"). */
export function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isMap(node) ? node[key] : undefined), value);
}
