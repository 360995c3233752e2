// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are GitHub ${{ }} expressions, not JS.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadActionlint } from "./actionlint.ts";
import { repoRoot } from "./fixture.ts";
import {
  allProblems,
  deployProblems,
  injectionProblems,
  permissionProblems,
  pinningProblems,
  type WorkflowFiles,
} from "./workflow-rules.ts";

const dir = join(repoRoot, ".github", "workflows");
const workflows: WorkflowFiles = Object.fromEntries(
  readdirSync(dir)
    .filter((name) => name.endsWith(".yml"))
    .map((name) => [name, readFileSync(join(dir, name), "utf8")]),
);

/** A copy of the workflows with one file edited; the edit must apply, or the test proves nothing. */
function broken(name: string, from: string, to: string): WorkflowFiles {
  const text = workflows[name] ?? "";
  if (!text.includes(from)) throw new Error(`${name} does not contain ${JSON.stringify(from)}`);
  return { ...workflows, [name]: text.replace(from, to) };
}

test("the four workflows exist", () => {
  expect(Object.keys(workflows).sort()).toEqual([
    "ci.yml",
    "deploy-service.yml",
    "deploy.yml",
    "release.yml",
  ]);
});

describe("actionlint", async () => {
  const actionlint = await loadActionlint();
  console.log(`actionlint engine: ${actionlint.engine}`);

  for (const name of Object.keys(workflows)) {
    test(`${name} has no findings`, async () => {
      expect(await actionlint.lint(workflows[name] ?? "", name)).toEqual([]);
    });
  }

  test("a broken copy is caught: a typo in a needs reference", async () => {
    const copy = broken(
      "release.yml",
      "fromJSON(needs.release.outputs.deploys)",
      "fromJSON(needs.relase.outputs.deploys)",
    );
    const findings = await actionlint.lint(copy["release.yml"] ?? "", "release.yml");
    expect(findings.map((f) => f.message).join("\n")).toContain("relase");
  });

  test("a broken copy is caught: an unknown permission scope", async () => {
    const copy = broken("deploy-service.yml", "      id-token: write", "      id-tokens: write");
    const findings = await actionlint.lint(copy["deploy-service.yml"] ?? "", "deploy-service.yml");
    expect(findings.some((f) => f.kind === "permissions" && f.message.includes("id-tokens"))).toBe(true);
  });

  test("a broken copy is caught: an undefined step output", async () => {
    const copy = broken(
      "deploy-service.yml",
      "steps.urls.outputs.base }}\n          RETAIL",
      "steps.url.outputs.base }}\n          RETAIL",
    );
    const findings = await actionlint.lint(copy["deploy-service.yml"] ?? "", "deploy-service.yml");
    expect(findings.length).toBeGreaterThan(0);
  });
});

describe("repository rules", () => {
  test("the real workflows break none", () => {
    expect(allProblems(workflows)).toEqual([]);
  });

  test("every uses: is a full SHA with an exact version comment", () => {
    const floating = broken(
      "ci.yml",
      "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
      "actions/checkout@v7",
    );
    expect(pinningProblems(floating)).toEqual([
      expect.stringContaining('actions/checkout@v7" is not pinned'),
    ]);
    const noComment = broken(
      "release.yml",
      "changesets/action@ae32849d5ba541f9ae29e40e22a623bc13562f51 # v2.1.2",
      "changesets/action@ae32849d5ba541f9ae29e40e22a623bc13562f51",
    );
    expect(pinningProblems(noComment)).toHaveLength(1);
    expect(
      pinningProblems(
        broken("ci.yml", "setup-bun@0c5077e51419868618aeaa5fe8019c62421857d6 # v2.2.0", "setup-bun@main"),
      ),
    ).toHaveLength(1);
  });

  test("permissions: none at the top, each job its own, writes only where needed", () => {
    expect(permissionProblems(broken("ci.yml", "permissions: {}", "permissions: write-all"))).toEqual([
      "ci.yml: top-level permissions must be {} or read-only",
    ]);
    const extraWrite = broken(
      "ci.yml",
      "    permissions:\n      contents: read\n    steps:",
      "    permissions:\n      contents: write\n    steps:",
    );
    expect(permissionProblems(extraWrite)).toEqual(['ci.yml#check: "contents: write" is not needed here']);
    const noJobPermissions = broken(
      "deploy.yml",
      "    permissions:\n      id-token: write\n      contents: read\n",
      "",
    );
    expect(permissionProblems(noJobPermissions)).toEqual([
      "deploy.yml#deploy: job declares no permissions of its own",
    ]);
  });

  test("production waits for staging, in a GitHub environment, one deploy per service and environment", () => {
    const skipStaging = broken("release.yml", "needs: [release, staging]", "needs: [release]");
    expect(deployProblems(skipStaging)).toContain(
      "release.yml#production: must deploy to production only after the staging job",
    );
    const noEnvironment = broken(
      "deploy-service.yml",
      "      name: ${{ inputs.environment }}",
      "      name: staging",
    );
    expect(deployProblems(noEnvironment)).toEqual([
      "deploy-service.yml#deploy: must run in the GitHub environment named by inputs.environment",
    ]);
    const cancels = broken(
      "deploy-service.yml",
      "      cancel-in-progress: false",
      "      cancel-in-progress: true",
    );
    expect(deployProblems(cancels)).toHaveLength(1);
    const wrongRef = broken(
      "deploy-service.yml",
      "ref: refs/tags/${{ inputs.service }}@${{ inputs.version }}",
      "ref: main",
    );
    expect(deployProblems(wrongRef)).toEqual([
      "deploy-service.yml#deploy: must check out the release tag <service>@<version>",
    ]);
  });

  test("release concurrency is on the release job, so a newer push cannot cancel a run waiting for approval", () => {
    const job = "    concurrency:\n      group: release-${{ github.ref }}\n      cancel-in-progress: false\n";
    const text = workflows["release.yml"] ?? "";
    const start = text.indexOf("    # One release job at a time");
    const end = text.indexOf(job) + job.length;
    const workflowLevel = {
      ...workflows,
      "release.yml": `${text.slice(0, start)}${text.slice(end)}`.replace(
        "permissions: {}\n",
        "permissions: {}\n\nconcurrency:\n  group: release-${{ github.ref }}\n  cancel-in-progress: false\n",
      ),
    };
    expect(deployProblems(workflowLevel)).toEqual([
      "release.yml: concurrency belongs on the release job, not the whole workflow",
      "release.yml#release: needs concurrency release-<ref> that never cancels a running release",
    ]);
  });

  test("changesets/action uses its v2 input names and the git-tag publish script", () => {
    const v1 = broken(
      "release.yml",
      "publish-script: bun x --bun changeset git-tag",
      "publish: bun x --bun changeset git-tag",
    );
    const problems = deployProblems(v1);
    expect(problems).toContain("release.yml: changesets/action v2 rejects the v1 inputs publish");
    expect(problems).toContain("release.yml: the publish script must be `changeset git-tag`");
  });

  test("no ${{ }} pasted into run scripts", () => {
    const unsafe = broken("ci.yml", '--branch "$HEAD_REF"', "--branch ${{ github.head_ref }}");
    expect(injectionProblems(unsafe)).toHaveLength(1);
  });
});
