/**
 * The image rules of this project, checked on the Dockerfile text: pinned bases, a distroless
 * non-root final stage with nothing but the binary, a self-probing exec-form HEALTHCHECK, port
 * 8080, and a reproducible build (frozen lockfile, ARG SERVICE). One line per broken rule.
 */

import { BUILD_FLAGS } from "../../scripts/build.ts";
import { type Instruction, parseDockerfile, parseImageRef, type Stage } from "./dockerfile.ts";

const DIGEST = /^sha256:[0-9a-f]{64}$/;
// A release number, optionally with a variant suffix (1.4.5, 1.4.5-debian). Named tags such as
// `nonroot` or `debian12` move, so they are accepted only together with a digest.
const VERSION_TAG = /^v?\d+(\.\d+)*([.-][A-Za-z0-9_.-]+)?$/;
const ROOT_USERS = new Set(["root", "0", "0:0", "root:root"]);

function argsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

function pinProblems(stage: Stage, stageNames: Set<string>): string[] {
  if (stageNames.has(stage.image)) return [];
  const ref = parseImageRef(stage.image);
  const where = `line ${stage.from.line}: FROM ${stage.image}`;
  if (ref.tag === "latest") return [`${where} uses the moving "latest" tag`];
  if (ref.digest !== undefined && !DIGEST.test(ref.digest)) return [`${where} has a malformed digest`];
  if (ref.digest === undefined && (ref.tag === undefined || !VERSION_TAG.test(ref.tag))) {
    return [`${where} is pinned neither by a version tag nor by a digest`];
  }
  return [];
}

function finalStageProblems(final: Stage): string[] {
  const problems: string[] = [];
  const ref = parseImageRef(final.image);
  if (!ref.repository.startsWith("gcr.io/distroless/")) {
    problems.push(`final stage FROM ${final.image} is not a distroless image`);
  }
  for (const run of argsOf(final, "RUN"))
    problems.push(`line ${run.line}: RUN in the final stage (no shell there)`);
  for (const add of argsOf(final, "ADD")) problems.push(`line ${add.line}: ADD in the final stage`);
  for (const copy of argsOf(final, "COPY")) {
    if (!/--from=\S+/.test(copy.args))
      problems.push(`line ${copy.line}: COPY into the final stage from the context`);
  }
  const user = argsOf(final, "USER").at(-1);
  if (!user) problems.push("final stage has no USER, so it runs as root");
  else if (ROOT_USERS.has(user.args.trim())) problems.push(`line ${user.line}: USER ${user.args} is root`);

  const entrypoint = argsOf(final, "ENTRYPOINT").at(-1);
  const binary = entrypoint?.exec?.[0];
  if (!binary) problems.push("final stage needs an exec-form ENTRYPOINT naming the binary");
  for (const keyword of ["CMD", "ENTRYPOINT"]) {
    for (const instruction of argsOf(final, keyword)) {
      if (!instruction.exec)
        problems.push(`line ${instruction.line}: ${keyword} in shell form (no shell there)`);
    }
  }
  const health = argsOf(final, "HEALTHCHECK").at(-1);
  const probe = health ? /(?:^|\s)CMD\s+(\[.*\])\s*$/.exec(health.args) : null;
  let probeArgs: unknown;
  try {
    probeArgs = probe ? JSON.parse(probe[1] ?? "") : undefined;
  } catch {
    probeArgs = undefined;
  }
  if (!health) problems.push("final stage has no HEALTHCHECK");
  else if (!Array.isArray(probeArgs)) problems.push(`line ${health.line}: HEALTHCHECK is not in exec form`);
  else if (probeArgs[0] !== binary || probeArgs[1] !== "healthcheck" || probeArgs.length !== 2) {
    problems.push(`line ${health.line}: HEALTHCHECK must run [${JSON.stringify(binary)}, "healthcheck"]`);
  }
  const exposed = argsOf(final, "EXPOSE").flatMap((expose) => expose.args.split(/\s+/));
  if (!exposed.includes("8080") && !exposed.includes("8080/tcp"))
    problems.push("final stage does not EXPOSE 8080");
  const env = argsOf(final, "ENV")
    .map((instruction) => ` ${instruction.args} `)
    .join("");
  if (!/\sPORT=8080\s/.test(env)) problems.push("final stage does not set ENV PORT=8080");
  if (!/\sHOST=0\.0\.0\.0\s/.test(env)) problems.push("final stage does not set ENV HOST=0.0.0.0");
  return problems;
}

function buildProblems(build: Stage[]): string[] {
  const problems: string[] = [];
  const runs = build.flatMap((stage) => argsOf(stage, "RUN")).map((run) => run.args);
  const installs = runs.filter((run) => /\bbun install\b/.test(run));
  if (installs.length === 0) problems.push("no RUN bun install in the build stages");
  for (const install of installs) {
    if (!install.includes("--frozen-lockfile"))
      problems.push(`bun install without --frozen-lockfile: ${install}`);
  }
  const compile = runs.find((run) => /\bbun build\b.*--compile/.test(run));
  if (!compile) problems.push("no RUN bun build --compile in the build stages");
  else {
    // The image's binary must be built as `bun run build` builds the one the tests and the bench run.
    for (const flag of BUILD_FLAGS) {
      if (!compile.split(/\s+/).includes(flag)) problems.push(`bun build --compile without ${flag}`);
    }
    if (!/\$\{?SERVICE\}?\/src\/main\.ts/.test(compile))
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ${} syntax, not a JS template
      problems.push("bun build does not compile ${SERVICE}/src/main.ts");
  }
  return problems;
}

export function dockerfileProblems(text: string): string[] {
  const file = parseDockerfile(text);
  const final = file.stages.at(-1);
  if (!final) return ["the Dockerfile has no FROM"];
  const stageNames = new Set(file.stages.flatMap((stage) => (stage.name ? [stage.name] : [])));
  const problems = file.stages.flatMap((stage) => pinProblems(stage, stageNames));
  problems.push(...finalStageProblems(final), ...buildProblems(file.stages.slice(0, -1)));

  const declared = [...file.globals, ...file.stages.flatMap((stage) => argsOf(stage, "ARG"))].some((arg) =>
    /^SERVICE(=|$)/.test(arg.args),
  );
  const used = file.stages.some((stage) =>
    stage.instructions.some((i) => i.keyword !== "ARG" && /\$\{?SERVICE\b/.test(i.args)),
  );
  if (!declared) problems.push("ARG SERVICE is not declared");
  if (!used) problems.push("ARG SERVICE is declared but never used");
  return problems;
}
