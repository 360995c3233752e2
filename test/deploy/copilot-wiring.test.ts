/**
 * The names that tie the Copilot stacks together: CloudFormation exports a manifest or addon
 * imports, the alarms a deployment watches, and the SSM parameters a task reads with its IAM policy.
 * A typo in any of these only shows up during a deployment, so they are resolved and compared here.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type EvalContext, evaluate, exportsOf, type Template } from "./cfn-template.ts";
import { loadCfnYaml } from "./cfn-yaml.ts";
import {
  applicationName,
  at,
  copilotDir,
  environmentNames,
  type Manifest,
  readYaml,
  resolvedForEnvironment,
  serviceManifestPath,
  serviceNames,
} from "./copilot-workspace.ts";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const app = applicationName();

/** Exports of Copilot's own environment stack (environment/cf.yml Outputs), named ${App}-${Env}-X. */
const COPILOT_ENV_EXPORTS = [
  "VpcId",
  "PrivateSubnets",
  "PublicSubnets",
  "EnvironmentSecurityGroup",
  "ClusterId",
  "PublicLoadBalancerFullName",
  "PublicLoadBalancerDNS",
  "HTTPSListenerArn",
];

function addonTemplates(dir: string): Template[] {
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file) && file !== "addons.parameters.yml")
    .map((file) => loadCfnYaml(join(dir, file)) as Template);
}

const envAddons = addonTemplates(join(copilotDir, "environments", "addons"));

function availableExports(env: string): Set<string> {
  const context: EvalContext = {
    parameters: { App: app, Env: env, VpcId: "vpc-1", PrivateSubnets: "subnet-a,subnet-b" },
  };
  const fromAddons = envAddons.flatMap((template) => Object.keys(exportsOf(template, context)));
  return new Set([...fromAddons, ...COPILOT_ENV_EXPORTS.map((name) => `${app}-${env}-${name}`)]);
}

function fromCfnNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(fromCfnNames);
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === "from_cfn" ? [String(value)] : key === "Fn::ImportValue" ? [String(value)] : fromCfnNames(value),
  );
}

function serviceContext(service: string, env: string): EvalContext {
  return {
    parameters: { App: app, Env: env, Name: service, TargetGroupFullName: "targetgroup/x/0123" },
    region: REGION,
    accountId: ACCOUNT,
  };
}

function evaluatedResources(
  service: string,
  env: string,
): Record<string, { Type: string; Properties: unknown }> {
  const result: Record<string, { Type: string; Properties: unknown }> = {};
  for (const template of addonTemplates(join(copilotDir, service, "addons"))) {
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      result[id] = {
        Type: resource.Type,
        Properties: evaluate(template, resource.Properties, serviceContext(service, env)),
      };
    }
  }
  return result;
}

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};
const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** SSM parameter names a task reads: SSM `secrets` (execution role) and *_SSM_PARAMETER variables (SDK). */
function ssmNamesRead(manifest: Manifest): string[] {
  const secrets = Object.values((at(manifest, "secrets") ?? {}) as Record<string, unknown>).filter(
    (value): value is string => typeof value === "string" && !value.startsWith("arn:aws:secretsmanager:"),
  );
  const variables = Object.entries((at(manifest, "variables") ?? {}) as Record<string, string>)
    .filter(([name]) => name.endsWith("_SSM_PARAMETER"))
    .map(([, value]) => value);
  return [...secrets, ...variables];
}

const ssmArn = (name: string): string =>
  `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name.startsWith("/") ? name : `/${name}`}`;

describe.each(serviceNames())("%s", (service) => {
  describe.each(environmentNames())("in %s", (env) => {
    const manifest = resolvedForEnvironment(readYaml(serviceManifestPath(service)), env);
    const resources = evaluatedResources(service, env);

    test("imports only exports that the environment stack or its addons create", () => {
      const exports = availableExports(env);
      const imported = [
        ...fromCfnNames(manifest),
        ...addonTemplates(join(copilotDir, service, "addons")).flatMap((template) =>
          fromCfnNames(evaluate(template, template.Resources, serviceContext(service, env))).map((name) =>
            name.replace(/^import:/, ""),
          ),
        ),
      ];
      expect(imported.length).toBeGreaterThan(0);
      expect(imported.filter((name) => !exports.has(name))).toEqual([]);
    });

    test("watches, during deployments, alarms that its addon creates", () => {
      const alarms = Object.values(resources)
        .filter((resource) => resource.Type === "AWS::CloudWatch::Alarm")
        .map((resource) => (resource.Properties as { AlarmName: string }).AlarmName);
      const watched = at(manifest, "deployment", "rollback_alarms") as string[];
      expect(watched.length).toBeGreaterThan(0);
      expect(watched.filter((name) => !alarms.includes(name))).toEqual([]);
      expect(alarms.map((name) => name.replace(`${app}-${env}-${service}-`, "")).sort()).toEqual([
        "http-5xx-rate",
        "latency-p99",
        "unhealthy-hosts",
      ]);
    });

    test("may read exactly the SSM parameters it names, through SSM-only KMS decryption", () => {
      const policies = Object.values(resources).filter((r) => r.Type === "AWS::IAM::ManagedPolicy");
      const statements = policies.flatMap(
        (policy) =>
          (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
      );
      const ssm = statements.filter((s) => list(s.Action).some((action) => action.startsWith("ssm:")));
      expect(ssm.flatMap((s) => list(s.Action)).sort()).toEqual(["ssm:GetParameter"]);
      const granted = ssm.flatMap((s) => list(s.Resource)).sort();
      const needed = [...new Set(ssmNamesRead(manifest).map(ssmArn))].sort();
      expect(needed.length).toBeGreaterThan(0);
      expect(granted).toEqual(needed);
      const kms = statements.filter((s) => list(s.Action).includes("kms:Decrypt"));
      expect(kms.map((s) => s.Condition)).toEqual([
        { StringEquals: { "kms:ViaService": `ssm.${REGION}.amazonaws.com` } },
      ]);
    });
  });

  test("outputs its IAM policy so Copilot attaches it to the task role", () => {
    const outputs = addonTemplates(join(copilotDir, service, "addons")).flatMap((template) =>
      Object.values(template.Outputs ?? {}).map((output) => ({ value: output.Value, template })),
    );
    const policyIds = addonTemplates(join(copilotDir, service, "addons")).flatMap((template) =>
      Object.entries(template.Resources ?? {})
        .filter(([, resource]) => resource.Type === "AWS::IAM::ManagedPolicy")
        .map(([id]) => id),
    );
    expect(policyIds.length).toBeGreaterThan(0);
    for (const id of policyIds) expect(outputs.map((output) => output.value)).toContainEqual({ Ref: id });
  });

  test("has a dashboard of valid JSON with the contract's metrics", () => {
    const dashboard = Object.values(evaluatedResources(service, "staging")).find(
      (resource) => resource.Type === "AWS::CloudWatch::Dashboard",
    );
    if (!dashboard) throw new Error(`${service} has no AWS::CloudWatch::Dashboard in its addons`);
    const body = JSON.parse((dashboard.Properties as { DashboardBody: string }).DashboardBody) as {
      widgets: unknown[];
    };
    const text = JSON.stringify(body);
    for (const metric of ["Requests", "RequestLatency", "ToolCalls", "ToolErrors", "Http5xx"]) {
      expect(text).toContain(`["RetailMcp","${metric}","Service","${service}"`);
    }
    for (const word of ["CPUUtilization", "MemoryUtilization", '"p50"', '"p99"', "UnHealthyHostCount"])
      expect(text).toContain(word);
    const orders = text.includes("OrdersCreated") && text.includes("OrdersRejected");
    expect(orders).toBe(service === "order-service");
  });
});
