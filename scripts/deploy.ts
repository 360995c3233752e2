/**
 * Deploys one service version to one Copilot environment: `copilot svc deploy`.
 *
 * The inputs are checked against the repository before anything runs (the service must have
 * `copilot/<service>/manifest.yml`, the environment `copilot/environments/<env>/`), so a typo fails here
 * with a useful message instead of inside CloudFormation. The version becomes the image tag, which ties
 * the running task to the git tag `<service>@<version>` it was built from.
 *
 * CLI: bun scripts/deploy.ts --service product-service --env staging --version 1.4.0
 *        [--app retail-mcp] [--copilot-dir copilot] [--dry-run]
 * Exits with copilot's own exit code; 2 for bad input; 127 when copilot is not installed.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

export const DEFAULT_APP = "retail-mcp";

export interface DeployRequest {
  service: string;
  env: string;
  version: string;
  app?: string;
}

export class DeployInputError extends Error {
  override readonly name = "DeployInputError";
}

const NAME = /^[a-z][a-z0-9-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** The copilot arguments (without the `copilot` itself) for a deploy. */
export function copilotDeployArgs(request: DeployRequest): string[] {
  return [
    "svc",
    "deploy",
    "--name",
    request.service,
    "--env",
    request.env,
    "--tag",
    request.version,
    "--app",
    request.app ?? DEFAULT_APP,
  ];
}

/** Throws DeployInputError when the service, environment or version does not exist or is malformed. */
export function validateDeployRequest(request: DeployRequest, copilotDir: string): void {
  if (!NAME.test(request.service)) {
    throw new DeployInputError(
      `Service name "${request.service}" is not valid (lower-case letters, digits, "-").`,
    );
  }
  if (!existsSync(join(copilotDir, request.service, "manifest.yml"))) {
    throw new DeployInputError(
      `Unknown service "${request.service}": ${join(copilotDir, request.service, "manifest.yml")} does not exist. Services: ${listServices(copilotDir)}.`,
    );
  }
  const envDir = join(copilotDir, "environments", request.env);
  if (!NAME.test(request.env) || !existsSync(envDir) || !statSync(envDir).isDirectory()) {
    throw new DeployInputError(
      `Unknown environment "${request.env}": ${envDir}/ does not exist. Environments: ${listEnvironments(copilotDir)}.`,
    );
  }
  const version = request.version.replace(/^v/, "");
  if (!SEMVER.test(version) || version !== request.version) {
    throw new DeployInputError(
      `Version "${request.version}" is not a release version. Give the version from the tag ${request.service}@<version>, e.g. 1.4.0.`,
    );
  }
  if (request.app !== undefined && !NAME.test(request.app)) {
    throw new DeployInputError(`App name "${request.app}" is not valid.`);
  }
}

function listServices(copilotDir: string): string {
  const glob = new Bun.Glob("*/manifest.yml");
  const names = [...glob.scanSync({ cwd: copilotDir, onlyFiles: true })].map((path) => path.split("/")[0]);
  return names.filter((name) => name !== "environments").join(", ") || "none found";
}

function listEnvironments(copilotDir: string): string {
  const dir = join(copilotDir, "environments");
  if (!existsSync(dir)) return "none found";
  const glob = new Bun.Glob("*");
  return [...glob.scanSync({ cwd: dir, onlyFiles: false })].sort().join(", ") || "none found";
}

export interface RunDeployOptions {
  copilotDir: string;
  dryRun?: boolean;
  /** Executable to run; "copilot" resolves through PATH. */
  copilotBin?: string;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

/** Validates, prints the command, and runs it unless dry-run. Resolves to the exit code to use. */
export async function runDeploy(request: DeployRequest, options: RunDeployOptions): Promise<number> {
  validateDeployRequest(request, options.copilotDir);
  const bin = options.copilotBin ?? "copilot";
  const args = copilotDeployArgs(request);
  const log = options.log ?? ((line: string) => console.log(line));
  log(`${options.dryRun ? "[dry-run] " : "$ "}${[bin, ...args].join(" ")}`);
  if (options.dryRun) return 0;
  const env = options.env ?? process.env;
  const resolved = Bun.which(bin, { PATH: env.PATH ?? "" });
  if (!resolved) {
    console.error(
      `deploy: "${bin}" was not found on PATH. Install Copilot v1.34.1 with scripts/install-copilot.sh, or pass --dry-run.`,
    );
    return 127;
  }
  const child = Bun.spawn([resolved, ...args], { env, stdio: ["inherit", "inherit", "inherit"] });
  const code = await child.exited;
  if (code !== 0) console.error(`deploy: copilot exited with code ${code}; see its output above.`);
  return code;
}

const USAGE =
  "Usage: bun scripts/deploy.ts --service <name> --env <staging|production> --version <x.y.z> [--app retail-mcp] [--copilot-dir copilot] [--dry-run]";

async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseCli>["values"];
  try {
    values = parseCli(argv).values;
  } catch (error) {
    console.error(`deploy: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { service, env, version, app } = values;
  if (!service || !env || !version) {
    console.error(`deploy: --service, --env and --version are all required.\n${USAGE}`);
    return 2;
  }
  const request: DeployRequest =
    app === undefined ? { service, env, version } : { service, env, version, app };
  try {
    return await runDeploy(request, {
      copilotDir: values["copilot-dir"] ?? "copilot",
      dryRun: values["dry-run"],
    });
  } catch (error) {
    if (!(error instanceof DeployInputError)) throw error;
    console.error(`deploy: ${error.message}`);
    return 2;
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      service: { type: "string" },
      env: { type: "string" },
      version: { type: "string" },
      app: { type: "string" },
      "copilot-dir": { type: "string" },
      "dry-run": { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
