/**
 * Release rehearsal: the real changesets CLI on a throwaway git repository shaped like ours, then the
 * workflows' own step scripts (release.yml "Plan the deploys", deploy-service.yml's check and deploy
 * steps, run as written by test/release/workflow-steps.ts), with only `copilot` faked. It shows what a
 * merge of the Version Packages pull request deploys.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Fixture, fakeCopilot, makeFixture, repoRoot } from "./fixture.ts";
import { parseOutputFile, runnerPath, runStep, workflowStep } from "./workflow-steps.ts";

const changesetBin = join(repoRoot, "node_modules", "@changesets", "cli", "bin.js");

function sh(cwd: string, cmd: string[], env: Record<string, string> = {}): string {
  const result = Bun.spawnSync(cmd, {
    cwd,
    env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", ...env },
  });
  const out = result.stdout.toString();
  if (result.exitCode !== 0) {
    throw new Error(`${cmd.join(" ")} failed (${result.exitCode}):\n${out}\n${result.stderr.toString()}`);
  }
  return out;
}

const git = (cwd: string, ...args: string[]): string =>
  sh(cwd, [
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@example.com",
    "-c",
    "commit.gpgsign=false",
    ...args,
  ]);

/** Runs the changesets CLI with Bun (it needs Node 22+; this machine has Node 20). */
const changeset = (cwd: string, args: string[], env: Record<string, string> = {}): string =>
  sh(cwd, [process.execPath, changesetBin, ...args], env);

/** A repo at the state "everything released so far is tagged", ready for a pull request. */
function releasedRepo(): Fixture {
  const fixture = makeFixture("release-rehearsal-");
  const { dir } = fixture;
  writeFileSync(join(dir, "bun.lock"), readFileSync(join(repoRoot, "bun.lock")));
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  // The scripts the workflow steps call, as committed in this repository.
  mkdirSync(join(dir, "scripts"));
  for (const script of ["release-plan.ts", "deploy.ts"]) {
    copyFileSync(join(repoRoot, "scripts", script), join(dir, "scripts", script));
  }
  writeFileSync(join(dir, ".gitignore"), "node_modules\nfake-bin\n*.log\n*.ndjson\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "initial");
  // One-time bootstrap (docs/releasing.md): tag the versions already deployed, so the first release
  // does not mistake every package for a new one.
  changeset(dir, ["git-tag"]);
  return fixture;
}

interface Rehearsal {
  versions: Record<string, string>;
  published: Array<{ name: string; version: string }>;
  plan: Array<{ service: string; version: string }>;
  copilotCalls: string[];
}

/** Pull request with one changeset → Version Packages → merge → git-tag → plan → deploy to staging. */
async function rehearse(dir: string, changesetText: string): Promise<Rehearsal> {
  writeFileSync(join(dir, ".changeset", "rehearsal-change.md"), changesetText);
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "a change with its changeset");

  changeset(dir, ["version"]);
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "Version Packages");
  const versions = Object.fromEntries(
    ["service-kit", "product-service", "order-service"].map((name) => [
      name,
      (JSON.parse(readFileSync(join(dir, name, "package.json"), "utf8")) as { version: string }).version,
    ]),
  );

  // changesets/action v2 sets CHANGESETS_OUTPUT and builds published-packages from these events.
  const events = join(dir, "tags.ndjson");
  changeset(dir, ["git-tag"], { CHANGESETS_OUTPUT: events });
  const published = readFileSync(events, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; tag: string; packageName: string })
    .map((event) => ({ name: event.packageName, version: event.tag.slice(event.packageName.length + 1) }));
  expect(git(dir, "tag", "--points-at", "HEAD").trim().split("\n").sort()).toEqual(
    published.map((p) => `${p.name}@${p.version}`).sort(),
  );

  // What the Release workflow does next, with its own step scripts: plan the deploys from
  // published-packages, then, per matrix entry, deploy-service.yml's checks and its deploy step.
  const path = runnerPath();
  const planned = await runStep(workflowStep("release.yml", "release", "Plan the deploys"), {
    cwd: dir,
    path,
    expressions: { "steps.changesets.outputs.published-packages": JSON.stringify(published) },
  });
  if (planned.exitCode !== 0) throw new Error(`Plan the deploys failed:\n${planned.stderr}`);
  const planOut = parseOutputFile(planned.outputFile).deploys ?? "";
  const plan = JSON.parse(planOut) as Array<{ service: string; version: string }>;

  const fake = fakeCopilot(dir);
  for (const deploy of plan) {
    const expressions = {
      "inputs.service": deploy.service,
      "inputs.version": deploy.version,
      "inputs.environment": "staging",
    };
    for (const name of ["Check the service, environment and version", "copilot svc deploy"]) {
      const result = await runStep(workflowStep("deploy-service.yml", "deploy", name), {
        cwd: dir,
        path: `${fake.binDir}:${path}`,
        expressions,
      });
      if (result.exitCode !== 0) throw new Error(`${name} failed:\n${result.stdout}${result.stderr}`);
    }
  }
  const copilotCalls = plan.length === 0 ? [] : readFileSync(fake.log, "utf8").trim().split("\n");
  console.log(`published-packages: ${JSON.stringify(published)}`);
  console.log(`release plan: ${planOut.trim()}`);
  for (const call of copilotCalls) console.log(`copilot ${call}`);
  return { versions, published, plan, copilotCalls };
}

// Each case runs git and the changesets CLI several times.
const TIMEOUT_MS = 60_000;

let fixture: Fixture | undefined;
afterEach(() => fixture?.cleanup());

describe("release rehearsal with the real changesets CLI", () => {
  test(
    "a product-service changeset releases and deploys product-service only",
    async () => {
      fixture = releasedRepo();
      const result = await rehearse(
        fixture.dir,
        '---\n"product-service": minor\n---\n\nAdd a catalogue filter.\n',
      );
      expect(result.versions).toEqual({
        "service-kit": "0.1.0",
        "product-service": "0.2.0",
        "order-service": "0.1.0",
      });
      expect(result.published).toEqual([{ name: "product-service", version: "0.2.0" }]);
      expect(result.plan).toEqual([{ service: "product-service", version: "0.2.0" }]);
      expect(result.copilotCalls).toEqual([
        "svc deploy --name product-service --env staging --tag 0.2.0 --app retail-mcp",
      ]);
      const changelog = readFileSync(join(fixture.dir, "product-service", "CHANGELOG.md"), "utf8");
      expect(changelog).toContain("## 0.2.0");
      expect(changelog).toContain("Add a catalogue filter.");
    },
    TIMEOUT_MS,
  );

  test(
    "a service-kit changeset alone releases and deploys both services",
    async () => {
      fixture = releasedRepo();
      const result = await rehearse(
        fixture.dir,
        '---\n"service-kit": patch\n---\n\nSafer request-id parsing.\n',
      );
      expect(result.versions).toEqual({
        "service-kit": "0.1.1",
        "product-service": "0.1.1",
        "order-service": "0.1.1",
      });
      expect(result.published.map((p) => p.name).sort()).toEqual([
        "order-service",
        "product-service",
        "service-kit",
      ]);
      expect(result.plan.map((p) => p.service).sort()).toEqual(["order-service", "product-service"]);
      expect(result.copilotCalls.sort()).toEqual([
        "svc deploy --name order-service --env staging --tag 0.1.1 --app retail-mcp",
        "svc deploy --name product-service --env staging --tag 0.1.1 --app retail-mcp",
      ]);
      const changelog = readFileSync(join(fixture.dir, "order-service", "CHANGELOG.md"), "utf8");
      expect(changelog).toContain("service-kit@0.1.1");
    },
    TIMEOUT_MS,
  );

  test(
    "a merge with nothing new to release tags nothing and deploys nothing",
    () => {
      fixture = releasedRepo();
      const events = join(fixture.dir, "tags.ndjson");
      writeFileSync(events, "");
      changeset(fixture.dir, ["git-tag"], { CHANGESETS_OUTPUT: events });
      expect(readFileSync(events, "utf8")).toBe("");
    },
    TIMEOUT_MS,
  );
});
