/**
 * Runs a workflow's own `run:` scripts the way a GitHub-hosted runner does, so tests exercise the
 * shell that ships instead of a re-implementation of it:
 * - the script text comes from .github/workflows/<file>, unchanged;
 * - `${{ }}` in the job's and the step's `env:` is replaced with values the test gives (an expression
 *   without a value is an error, so a new input cannot slip through untested);
 * - it runs as `bash -e <file>`, the runner's command for a step without `shell:`;
 * - GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are real files, and the output file is read with the
 *   runner's rules (actions/runner FileCommandManager): a line that is neither `name=value` nor a
 *   `name<<DELIMITER` block is "Invalid format" and fails the step, as it does on GitHub.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "./fixture.ts";

interface RawStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

interface RawJob {
  env?: Record<string, string>;
  steps?: RawStep[];
}

export interface WorkflowStep {
  /** "release.yml#release/Plan the deploys" */
  label: string;
  run: string;
  /** The job's env, then the step's, still with their ${{ }} expressions. */
  env: Record<string, string>;
}

function readWorkflow(file: string): { jobs: Record<string, RawJob> } {
  return parse(readFileSync(join(repoRoot, ".github", "workflows", file), "utf8")) as {
    jobs: Record<string, RawJob>;
  };
}

/** Every `run:` step of every workflow, as "file#job/step name" labels. */
export function allRunSteps(files: string[]): string[] {
  return files.flatMap((file) =>
    Object.entries(readWorkflow(file).jobs).flatMap(([job, { steps = [] }]) =>
      steps.filter((step) => step.run !== undefined).map((step) => `${file}#${job}/${step.name ?? step.run}`),
    ),
  );
}

export function workflowStep(file: string, job: string, name: string): WorkflowStep {
  const rawJob = readWorkflow(file).jobs[job];
  const step = rawJob?.steps?.find((s) => s.name === name);
  if (!step?.run) throw new Error(`${file}#${job} has no run: step named "${name}"`);
  if (step.shell !== undefined)
    throw new Error(`${file}#${job}/${name}: shell: ${step.shell} is not modelled`);
  return { label: `${file}#${job}/${name}`, run: step.run, env: { ...rawJob?.env, ...step.env } };
}

/** The `with:` inputs of a `uses:` step, e.g. setup-bun's bun-version. */
export function actionInputs(file: string, job: string, usesPrefix: string): Record<string, unknown> {
  const step = readWorkflow(file).jobs[job]?.steps?.find((s) => s.uses?.startsWith(usesPrefix));
  if (!step) throw new Error(`${file}#${job} has no step using ${usesPrefix}`);
  return step.with ?? {};
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

function substitute(label: string, value: string, expressions: Record<string, string>): string {
  return value.replace(EXPRESSION, (_, inner: string) => {
    const found = expressions[inner];
    if (found === undefined) throw new Error(`${label}: give the test a value for \${{ ${inner} }}`);
    return found;
  });
}

/** GITHUB_OUTPUT parsed with the runner's rules; throws the runner's "Invalid format" error. */
export function parseOutputFile(text: string): Record<string, string> {
  const lines = text.split(/\r?\n/);
  const outputs: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const key = line.slice(0, equals);
      if (key === "") throw new Error(`Invalid format '${line}'`);
      outputs[key] = line.slice(equals + 1);
    } else if (heredoc > 0) {
      const key = line.slice(0, heredoc);
      const end = line.slice(heredoc + 2);
      const close = lines.indexOf(end, i + 1);
      if (end === "" || close < 0) throw new Error(`Matching delimiter not found '${end}'`);
      outputs[key] = lines.slice(i + 1, close).join("\n");
      i = close;
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return outputs;
}

export interface StepResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The raw GITHUB_OUTPUT file. */
  outputFile: string;
  summary: string;
}

export interface RunOptions {
  cwd: string;
  /** Values for the ${{ }} expressions in the step's and job's env. */
  expressions?: Record<string, string>;
  /** PATH for the step (the runner's tools); see runnerPath. */
  path: string;
  /** Extra variables, e.g. npm's cache policy; the runner's own come first. */
  env?: Record<string, string>;
}

export async function runStep(step: WorkflowStep, options: RunOptions): Promise<StepResult> {
  if (step.run.includes("${{")) throw new Error(`${step.label}: \${{ }} inside run: is not allowed`);
  const dir = mkdtempSync(join(tmpdir(), "workflow-step-"));
  const files = { script: join(dir, "step.sh"), output: join(dir, "output"), summary: join(dir, "summary") };
  writeFileSync(files.script, step.run);
  writeFileSync(files.output, "");
  writeFileSync(files.summary, "");
  const env: Record<string, string> = {
    HOME: process.env.HOME ?? dir,
    PATH: options.path,
    CI: "true",
    GITHUB_ACTIONS: "true",
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    // npm answers from its cache when it can, so no step needs the internet once it has run once.
    npm_config_prefer_offline: "true",
    ...options.env,
  };
  for (const [name, value] of Object.entries(step.env)) {
    env[name] = substitute(step.label, String(value), options.expressions ?? {});
  }
  // Asynchronous, so a server in this test process (the smoke step's target) keeps answering.
  const child = Bun.spawn(["bash", "-e", files.script], {
    cwd: options.cwd,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const result = {
    exitCode,
    stdout,
    stderr,
    outputFile: readFileSync(files.output, "utf8"),
    summary: readFileSync(files.summary, "utf8"),
  };
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * A PATH like the runner's after oven-sh/setup-bun: `bun` is the pinned Bun running this test, then
 * the system directories. Entries inside the repository (.tools/, node_modules/.bin) are dropped, so
 * a step cannot lean on tools a fresh runner does not have.
 */
let setupBunDir: string | undefined;

export function runnerPath(extraDirs: string[] = []): string {
  const pinned = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      devDependencies: { bun: string };
    }
  ).devDependencies.bun;
  if (process.versions.bun !== pinned) {
    throw new Error(`run this test with the pinned Bun ${pinned} (node scripts/bun.mjs test …)`);
  }
  if (setupBunDir === undefined) {
    setupBunDir = mkdtempSync(join(tmpdir(), "setup-bun-"));
    symlinkSync(process.execPath, join(setupBunDir, "bun"));
    symlinkSync(process.execPath, join(setupBunDir, "bunx"));
  }
  const bin = setupBunDir;
  const system = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((entry) => entry !== "" && !entry.startsWith(repoRoot) && !entry.includes("node_modules"));
  return [...extraDirs, bin, ...system].join(delimiter);
}

function git(cwd: string, ...args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], { cwd });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

/**
 * A fresh clone of this repository in a temporary directory: what actions/checkout gives a runner, no
 * .tools/ and no node_modules/. Uncommitted edits to the working tree are laid over it (changed,
 * new and deleted files, ignored ones excepted), so the test runs what is about to be committed.
 */
export function freshClone(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "fresh-clone-"));
  git(tmpdir(), "clone", "--quiet", "--no-hardlinks", repoRoot, dir);
  const files = git(repoRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    const from = join(repoRoot, file);
    const to = join(dir, file);
    if (existsSync(from)) {
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
    } else {
      rmSync(to, { force: true });
    }
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
