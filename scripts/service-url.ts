/**
 * The public URL of one service in one environment, read from its Copilot manifest: `https://` + the
 * first `http.alias` + `http.path`, after the `environments.<env>` override. The alias is the host the
 * environment's imported certificate covers, so the deploy workflow's smoke test, its job summary and
 * the Claude Desktop config all name the host Copilot routes, with no second copy of it to drift.
 *
 * CLI: bun scripts/service-url.ts --service product-service --env staging [--copilot-dir copilot]
 *   prints e.g. https://mcp.staging.example.com/product. Exit 2 with the reason on bad input.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";

export class ServiceUrlError extends Error {
  override readonly name = "ServiceUrlError";
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PATH = /^\/[A-Za-z0-9._~/-]*$/;

type Node = Record<string, unknown>;
const isMap = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export interface AliasEntry {
  name: string;
  hostedZone?: string;
}

/** An `http.alias` value in any form Copilot accepts: a string, a list of strings, a list of {name, hosted_zone}. */
export function aliasEntries(alias: unknown): AliasEntry[] {
  if (alias === undefined || alias === null) return [];
  if (typeof alias === "string") return [{ name: alias }];
  if (!Array.isArray(alias))
    throw new ServiceUrlError(`http.alias must be a string or a list, got ${JSON.stringify(alias)}.`);
  return alias.map((entry): AliasEntry => {
    if (typeof entry === "string") return { name: entry };
    const { name, hosted_zone } = (isMap(entry) ? entry : {}) as { name?: unknown; hosted_zone?: unknown };
    if (typeof name !== "string") {
      throw new ServiceUrlError(`every http.alias entry needs a host name, got ${JSON.stringify(entry)}.`);
    }
    return typeof hosted_zone === "string" ? { name, hostedZone: hosted_zone } : { name };
  });
}

export const aliasNames = (alias: unknown): string[] => aliasEntries(alias).map((entry) => entry.name);

/** `https://<first alias><http.path>` for `service` in `env`. Throws ServiceUrlError with the fix. */
export function serviceUrl(service: string, env: string, copilotDir: string): string {
  const path = join(copilotDir, service, "manifest.yml");
  if (!existsSync(path)) throw new ServiceUrlError(`Unknown service "${service}": ${path} does not exist.`);
  if (!existsSync(join(copilotDir, "environments", env, "manifest.yml"))) {
    throw new ServiceUrlError(
      `Unknown environment "${env}": ${join(copilotDir, "environments", env)}/manifest.yml does not exist.`,
    );
  }
  const manifest: unknown = parse(readFileSync(path, "utf8"));
  if (!isMap(manifest)) throw new ServiceUrlError(`${path} is not a YAML mapping.`);
  const base = isMap(manifest.http) ? manifest.http : {};
  const environments = isMap(manifest.environments) ? manifest.environments : {};
  const override = isMap(environments[env]) && isMap(environments[env].http) ? environments[env].http : {};
  const http = { ...base, ...override };
  const [host] = aliasNames(http.alias);
  if (host === undefined) {
    throw new ServiceUrlError(
      `${path} has no http.alias for "${env}". Set environments.${env}.http.alias to the host the environment's certificate covers (docs/deploy.md, step 2).`,
    );
  }
  if (!HOSTNAME.test(host)) {
    throw new ServiceUrlError(
      `${path}: http.alias "${host}" for "${env}" is not a host name like mcp.example.com.`,
    );
  }
  const servicePath = http.path;
  if (typeof servicePath !== "string" || !PATH.test(servicePath)) {
    throw new ServiceUrlError(
      `${path}: http.path must be a path like /product, got ${JSON.stringify(servicePath)}.`,
    );
  }
  return `https://${host}${servicePath === "/" ? "" : servicePath.replace(/\/$/, "")}`;
}

function main(argv: string[]): number {
  let values: { service?: string; env?: string; "copilot-dir"?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { service: { type: "string" }, env: { type: "string" }, "copilot-dir": { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`service-url: ${(error as Error).message}`);
    return 2;
  }
  if (!values.service || !values.env) {
    console.error("Usage: bun scripts/service-url.ts --service <name> --env <env> [--copilot-dir copilot]");
    return 2;
  }
  try {
    console.log(serviceUrl(values.service, values.env, values["copilot-dir"] ?? "copilot"));
    return 0;
  } catch (error) {
    if (!(error instanceof ServiceUrlError)) throw error;
    console.error(`service-url: ${error.message}`);
    return 2;
  }
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
