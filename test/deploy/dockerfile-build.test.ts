/**
 * Runs the Dockerfile's build stage without Docker: the build context filtered by .dockerignore,
 * then the stage's own WORKDIR, COPY and RUN instructions in order with the pinned Bun on PATH.
 * The binary that comes out must run the subcommands the final stage relies on (serve and
 * healthcheck) and need nothing but glibc, which is what the distroless base-nossl image provides.
 */
import { afterAll, describe, expect, test } from "bun:test";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { retryOnBindFailure } from "../support/service-process.ts";
import { repoRoot } from "./copilot-workspace.ts";
import { parseDockerfile } from "./dockerfile.ts";
import { isExcluded, readDockerignore } from "./dockerignore.ts";
import { readElf } from "./elf.ts";

const work = mkdtempSync(join(tmpdir(), "dockerfile-build-"));
afterAll(() => rmSync(work, { recursive: true, force: true }), 60_000);
// The image's `bun` is the pinned Bun running this test (the npm package names its binary bun.exe).
const bunDir = join(work, "bin");
mkdirSync(bunDir);
symlinkSync(process.execPath, join(bunDir, "bun"));

/** glibc's libraries and loaders: everything gcr.io/distroless/base-nossl-debian12 ships. */
const GLIBC = /^(libc|libm|libdl|libpthread|librt|libutil|ld-linux-(x86-64|aarch64))\.so\.\d+$/;

function copyContext(destination: string): void {
  const rules = readDockerignore(readFileSync(join(repoRoot, ".dockerignore"), "utf8"));
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(repoRoot, relative))) {
      const path = relative ? `${relative}/${name}` : name;
      if (isExcluded(rules, path)) continue;
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else cpSync(join(repoRoot, path), join(destination, path), { recursive: true });
    }
  };
  walk("");
}

/** Executes the build stage for one service and target architecture; returns the stage root. */
function runBuildStage(service: string, arch: "amd64" | "arm64"): string {
  const context = join(work, "context");
  if (!existsSync(context)) copyContext(context);
  const stageRoot = join(work, `${service}-${arch}`);
  const args: Record<string, string> = { SERVICE: service, TARGETARCH: arch };
  const expand = (text: string): string =>
    text.replace(/\$\{?(\w+)\}?/g, (all, name: string) => args[name] ?? all);
  const build = parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8")).stages[0];
  let cwd = stageRoot;
  for (const instruction of build?.instructions ?? []) {
    if (instruction.keyword === "WORKDIR") cwd = join(stageRoot, instruction.args);
    mkdirSync(cwd, { recursive: true });
    if (instruction.keyword === "COPY") {
      const parts = expand(instruction.args).split(/\s+/);
      const target = join(cwd, parts.at(-1) ?? ".");
      for (const source of parts.slice(0, -1)) {
        const from = join(context, source);
        const to =
          source.endsWith("/") || statSync(from).isDirectory()
            ? target
            : join(target, source.split("/").at(-1) ?? "");
        cpSync(from, to, { recursive: true });
      }
    }
    if (instruction.keyword === "RUN") {
      const run = Bun.spawnSync(["sh", "-c", instruction.args], {
        cwd,
        env: { ...process.env, ...args, PATH: `${bunDir}:${process.env.PATH ?? ""}` },
        stderr: "pipe",
        stdout: "pipe",
      });
      if (run.exitCode !== 0) {
        throw new Error(`RUN ${instruction.args.slice(0, 60)}… failed:\n${run.stderr.toString()}`);
      }
    }
  }
  return cwd;
}

// Installing and compiling takes seconds, and the arm64 runtime is fetched from npm once.
const BUILD_TIMEOUT_MS = 180_000;

describe("the Dockerfile build stage, run without Docker", () => {
  test(
    "compiles product-service for linux/amd64 into a glibc-only binary whose healthcheck works",
    async () => {
      const src = runBuildStage("product-service", "amd64");
      const binary = join(src, "out", "service");
      expect(existsSync(join(src, "out", "data"))).toBe(true);
      const elf = readElf(binary);
      expect(elf.machine).toBe("x86_64");
      expect(elf.needed.filter((library) => !GLIBC.test(library))).toEqual([]);

      // `healthcheck` reads PORT, so the port is chosen up front (again if another process binds it first).
      const probe = (env: Record<string, string | undefined>): number =>
        Bun.spawnSync([binary, "healthcheck"], { env, stdout: "ignore", stderr: "ignore" }).exitCode;
      const { server, env } = await retryOnBindFailure(async (port) => {
        const env = {
          ...process.env,
          PORT: String(port),
          HOST: "127.0.0.1",
          BASE_PATH: "/product",
          DATABASE_URL: `sqlite://${join(work, "product.sqlite")}`,
        };
        expect(probe(env)).toBe(1);
        const server = Bun.spawn([binary, "serve"], { env, stdout: "pipe", stderr: "pipe" });
        const output = Promise.all([new Response(server.stdout).text(), new Response(server.stderr).text()]);
        for (let attempt = 0; attempt < 100; attempt++) {
          if (probe(env) === 0) return { server, env };
          if (server.exitCode !== null) throw new Error(`serve exited: ${(await output).join("")}`);
          await Bun.sleep(100);
        }
        server.kill("SIGKILL");
        throw new Error(`healthcheck never passed: ${(await output).join("")}`);
      });
      server.kill("SIGTERM");
      await server.exited;
      expect(probe(env)).toBe(1);
    },
    BUILD_TIMEOUT_MS,
  );

  test(
    "cross-compiles order-service for linux/arm64 (Graviton) with the same glibc-only needs",
    () => {
      const src = runBuildStage("order-service", "arm64");
      const elf = readElf(join(src, "out", "service"));
      expect(elf.machine).toBe("aarch64");
      expect(elf.needed.filter((library) => !GLIBC.test(library))).toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  test(
    "refuses to build without SERVICE",
    () => {
      expect(() => runBuildStage("", "amd64")).toThrow(/Build with --build-arg SERVICE=/);
    },
    BUILD_TIMEOUT_MS,
  );
});
