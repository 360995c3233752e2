/**
 * Repository rules for GitHub workflows that actionlint does not know about. Each rule returns the
 * problems it finds, so the tests can show both that the real workflows pass and that a broken copy
 * fails for the stated reason.
 */
import { parse } from "yaml";

export type WorkflowFiles = Record<string, string>;

interface Job {
  permissions?: unknown;
  uses?: string;
  needs?: string | string[];
  environment?: string | { name?: string };
  concurrency?: { group?: string; "cancel-in-progress"?: boolean };
  with?: Record<string, unknown>;
  steps?: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }>;
}

interface Workflow {
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
}

/** Full 40-hex commit SHA followed by an exact-version comment, or a local reusable workflow. */
/** A GitHub expression, `${{ inner }}`, written without tripping the template-string lint. */
const expr = (inner: string): string => `\${{ ${inner} }}`;

const PINNED_USES =
  /^\s*(?:-\s+)?uses:\s+(?:\.\/\S+|[\w.-]+\/[\w./-]+@[0-9a-f]{40}\s+#\s+v\d+\.\d+\.\d+)\s*$/;
const V1_CHANGESETS_INPUTS = ["version", "publish", "commit", "title", "createGithubReleases", "commitMode"];
const WRITE_SCOPES_ALLOWED: Record<string, string[]> = {
  contents: ["release.yml#release"],
  "pull-requests": ["release.yml#release"],
  "id-token": [
    "release.yml#staging",
    "release.yml#production",
    "deploy.yml#deploy",
    "deploy-service.yml#deploy",
  ],
};

function parseAll(files: WorkflowFiles): Array<[string, Workflow]> {
  return Object.entries(files).map(([name, text]) => [name, parse(text) as Workflow]);
}

export function pinningProblems(files: WorkflowFiles): string[] {
  const problems: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    text.split("\n").forEach((line, index) => {
      if (/^\s*(?:-\s+)?uses:/.test(line) && !PINNED_USES.test(line)) {
        problems.push(
          `${name}:${index + 1}: "${line.trim()}" is not pinned to a full SHA with a # vX.Y.Z comment`,
        );
      }
    });
  }
  return problems;
}

export function permissionProblems(files: WorkflowFiles): string[] {
  const problems: string[] = [];
  for (const [name, workflow] of parseAll(files)) {
    const top = workflow.permissions;
    const topIsMinimal =
      top !== undefined &&
      typeof top === "object" &&
      top !== null &&
      Object.values(top).every((v) => v === "read" || v === "none");
    if (!topIsMinimal) problems.push(`${name}: top-level permissions must be {} or read-only`);
    for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
      if (job.permissions === undefined || typeof job.permissions !== "object") {
        problems.push(`${name}#${jobName}: job declares no permissions of its own`);
        continue;
      }
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        if (level !== "write") continue;
        if (!(WRITE_SCOPES_ALLOWED[scope] ?? []).includes(`${name}#${jobName}`)) {
          problems.push(`${name}#${jobName}: "${scope}: write" is not needed here`);
        }
      }
    }
  }
  return problems;
}

export function deployProblems(files: WorkflowFiles): string[] {
  const problems: string[] = [];
  const workflows = Object.fromEntries(parseAll(files));
  const service = workflows["deploy-service.yml"]?.jobs?.deploy;
  if (!service) return ["deploy-service.yml: missing the deploy job"];
  const envName = typeof service.environment === "string" ? service.environment : service.environment?.name;
  if (envName !== expr("inputs.environment")) {
    problems.push(
      "deploy-service.yml#deploy: must run in the GitHub environment named by inputs.environment",
    );
  }
  if (
    service.concurrency?.group !== `deploy-${expr("inputs.service")}-${expr("inputs.environment")}` ||
    service.concurrency["cancel-in-progress"] !== false
  ) {
    problems.push(
      "deploy-service.yml#deploy: concurrency must be per service and environment, never cancelling",
    );
  }
  const checkout = service.steps?.find((s) => s.uses?.startsWith("actions/checkout@"));
  if (checkout?.with?.ref !== `refs/tags/${expr("inputs.service")}@${expr("inputs.version")}`) {
    problems.push("deploy-service.yml#deploy: must check out the release tag <service>@<version>");
  }
  const runs = (service.steps ?? []).map((s) => s.run ?? "").join("\n");
  for (const needed of ["scripts/install-copilot.sh", "scripts/deploy.ts", "scripts/smoke.ts"]) {
    if (!runs.includes(needed)) problems.push(`deploy-service.yml#deploy: does not run ${needed}`);
  }
  if (!service.steps?.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))) {
    problems.push(
      "deploy-service.yml#deploy: AWS credentials must come from configure-aws-credentials (OIDC)",
    );
  }

  const release = workflows["release.yml"]?.jobs ?? {};
  const production = release.production;
  const needs = [production?.needs ?? []].flat();
  if (production?.with?.environment !== "production" || !needs.includes("staging")) {
    problems.push("release.yml#production: must deploy to production only after the staging job");
  }
  if (release.staging?.with?.environment !== "staging") {
    problems.push("release.yml#staging: must deploy to staging");
  }
  for (const job of [release.staging, release.production, workflows["deploy.yml"]?.jobs?.deploy]) {
    if (job?.uses !== "./.github/workflows/deploy-service.yml") {
      problems.push("every deploy must go through ./.github/workflows/deploy-service.yml");
    }
  }
  // A workflow-level group would also hold the production approval wait, so a newer push could
  // cancel a queued run before its release job tagged anything.
  if (workflows["release.yml"]?.concurrency !== undefined) {
    problems.push("release.yml: concurrency belongs on the release job, not the whole workflow");
  }
  const releaseConcurrency = release.release?.concurrency;
  if (
    releaseConcurrency?.group !== `release-${expr("github.ref")}` ||
    releaseConcurrency["cancel-in-progress"] !== false
  ) {
    problems.push(
      "release.yml#release: needs concurrency release-<ref> that never cancels a running release",
    );
  }
  const changesets = release.release?.steps?.find((s) => s.uses?.startsWith("changesets/action@"));
  const inputs = Object.keys(changesets?.with ?? {});
  const v1 = inputs.filter((input) => V1_CHANGESETS_INPUTS.includes(input));
  if (v1.length > 0)
    problems.push(`release.yml: changesets/action v2 rejects the v1 inputs ${v1.join(", ")}`);
  if (!String(changesets?.with?.["publish-script"] ?? "").includes("changeset git-tag")) {
    problems.push("release.yml: the publish script must be `changeset git-tag`");
  }
  if (!files["release.yml"]?.includes("steps.changesets.outputs.published-packages")) {
    problems.push("release.yml: the deploy plan must read the published-packages output");
  }
  return problems;
}

/** `${{ … }}` inside a run script is pasted into the shell before it runs: pass values through env. */
export function injectionProblems(files: WorkflowFiles): string[] {
  const problems: string[] = [];
  for (const [name, workflow] of parseAll(files)) {
    for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        if (step.run?.includes("$" + "{{"))
          problems.push(`${name}#${jobName}: expression inside run: ${step.run}`);
      }
    }
  }
  return problems;
}

export function allProblems(files: WorkflowFiles): string[] {
  return [
    ...pinningProblems(files),
    ...permissionProblems(files),
    ...deployProblems(files),
    ...injectionProblems(files),
  ];
}
