/**
 * Compiles each service into one self-contained binary with `bun build --compile`.
 *   bun run build                      → dist/<service> for this machine
 *   bun run build:release              → dist/<service>-linux-x64 and dist/<service>-linux-arm64
 *   bun scripts/build.ts --service product-service   (one service only)
 */
import { readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";

export const SERVICES = ["product-service", "order-service"] as const;
export type ServiceName = (typeof SERVICES)[number];
export const RELEASE_TARGETS = ["linux-x64", "linux-arm64"] as const;

const root = join(import.meta.dir, "..");

function gitSha(): string {
  const result = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: root, stderr: "ignore" });
  const sha = result.stdout.toString().trim();
  return result.exitCode === 0 && sha ? sha : (process.env.GIT_SHA ?? "unknown");
}

/**
 * How the binaries are compiled, chosen for start-up time (exec → first 200 from /ready, bench/cold-start.ts)
 * without costing throughput. The Dockerfile's build stage should pass the same flags.
 * Per-request CPU (get_product, servers side by side, alternating wrk bursts): no flag below changes it
 * measurably, and the binary is within noise of `bun product-service/src/main.ts`. (Before stateless calls
 * shared pooled servers, the binary used 6-11% more CPU per call than the source run; that gap is gone.)
 */
export const BUILD_FLAGS = [
  // Neither start-up nor per-request CPU changes measurably; the binary is smaller.
  "--minify",
  // Embedded, and only read when an error's stack is printed: no measurable cost at start or per request.
  "--sourcemap",
  // Precompiled bytecode: about 70 ms less before /ready (about a third of the start).
  "--bytecode",
  "--format=esm",
  // Code only reached through import() (the AWS SDK, read only when a secret comes from SSM) stays out
  // of the entry chunk, so a start does not load it nor the node:http, child_process, … it imports.
  "--splitting",
  // Start-up code runs once: JIT tier-up thresholds ×16 keep it in the interpreter instead of compiling
  // it (4 gained less; 64 and more no more than 16). The service puts the normal policy back once it
  // listens (service-kit/src/cli.ts), so request handling is compiled as usual.
  "--compile-jit-policy=16",
];

export interface BuildOptions {
  service: ServiceName;
  target?: (typeof RELEASE_TARGETS)[number];
  outfile?: string;
}

export async function buildService(options: BuildOptions): Promise<string> {
  const suffix = options.target ? `-${options.target}` : "";
  const outfile = options.outfile ?? join(root, "dist", `${options.service}${suffix}`);
  // bun build also writes source maps beside the binary (one per chunk with --splitting, named by hash)
  // although the binary embeds them: build in a scratch folder and keep only the binary.
  const scratch = `${outfile}.build-${process.pid}`;
  const args = [
    "build",
    "--compile",
    ...BUILD_FLAGS,
    `--define=BUILD_GIT_SHA=${JSON.stringify(gitSha())}`,
    ...(options.target ? [`--target=bun-${options.target}`] : []),
    join(root, options.service, "src", "main.ts"),
    "--outfile",
    join(scratch, basename(outfile)),
  ];
  const proc = Bun.spawn([process.execPath, ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  try {
    if (code !== 0) throw new Error(`bun build failed for ${options.service}${suffix}:\n${stdout}${stderr}`);
    renameSync(join(scratch, basename(outfile)), outfile);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return outfile;
}

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

/**
 * dist/<service>, compiled first when it is missing or older than the sources it bundles: the service's,
 * service-kit's and the reservation contract's.
 */
export async function ensureBuilt(
  service: ServiceName,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const binary = join(root, "dist", service);
  const sources = newestMtime([
    join(root, "service-kit", "src"),
    join(root, "reservation-contract", "src"),
    join(root, service),
  ]);
  if (mtimeOrZero(binary) >= sources) return binary;
  log(`building ${service} (its sources are newer than ${binary})`);
  return buildService({ service });
}

function parseArgs(argv: string[]): { release: boolean; services: ServiceName[] } {
  const release = argv.includes("--release");
  const index = argv.indexOf("--service");
  if (index === -1) return { release, services: [...SERVICES] };
  const name = argv[index + 1];
  if (!SERVICES.includes(name as ServiceName)) {
    console.error(`unknown service "${name}"; choose one of: ${SERVICES.join(", ")}`);
    process.exit(2);
  }
  return { release, services: [name as ServiceName] };
}

if (import.meta.main) {
  const { release, services } = parseArgs(process.argv.slice(2));
  const targets = release ? RELEASE_TARGETS : [undefined];
  for (const service of services) {
    for (const target of targets) {
      const started = performance.now();
      const outfile = await buildService({ service, ...(target ? { target } : {}) });
      const mb = (statSync(outfile).size / 1024 / 1024).toFixed(1);
      console.log(
        `built ${outfile.slice(root.length + 1)} (${mb} MB) in ${Math.round(performance.now() - started)} ms`,
      );
    }
  }
}
