/**
 * Every Copilot addon template parses with the CloudFormation tags, declares the parameters Copilot
 * passes, has no dangling reference, and gets every extra parameter from addons.parameters.yml.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate, type Template, templateProblems } from "./cfn-template.ts";
import { loadCfnYaml, parseCfnYaml } from "./cfn-yaml.ts";
import { applicationName, copilotDir, serviceNames } from "./copilot-workspace.ts";

const PARAMETERS_FILE = "addons.parameters.yml";

/**
 * Logical IDs that addons.parameters.yml may reference in the parent stack, from Copilot's
 * templates: environment/cf.yml + partials/vpc-resources.yml, workloads/partials/cf/alb.yml.
 * Service, TaskDefinition and TaskRole are left out on purpose: the task role waits for the addon
 * stack's policy output, so an addon parameter from any of them is a dependency cycle.
 */
const PARENT_IDS = {
  environment: new Set([
    "VPC",
    "PrivateSubnet1",
    "PrivateSubnet2",
    "PublicSubnet1",
    "PublicSubnet2",
    "Cluster",
    "EnvironmentSecurityGroup",
  ]),
  service: new Set(["TargetGroup", "LogGroup"]),
};

interface AddonDir {
  kind: "environment" | "service";
  dir: string;
  copilotParams: string[];
}

const addonDirs: AddonDir[] = [
  { kind: "environment", dir: join(copilotDir, "environments", "addons"), copilotParams: ["App", "Env"] },
  ...serviceNames().map((service) => ({
    kind: "service" as const,
    dir: join(copilotDir, service, "addons"),
    copilotParams: ["App", "Env", "Name"],
  })),
];

const templatesIn = (dir: string): string[] =>
  readdirSync(dir).filter((file) => /\.ya?ml$/.test(file) && file !== PARAMETERS_FILE);

function referencedIds(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(referencedIds);
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    if (key === "Ref" && typeof value === "string") return [value];
    if (key === "Fn::GetAtt" && Array.isArray(value)) return [String(value[0])];
    return referencedIds(value);
  });
}

describe.each(addonDirs)("$dir", ({ kind, dir, copilotParams }) => {
  const files = templatesIn(dir);
  const templates = Object.fromEntries(files.map((file) => [file, loadCfnYaml(join(dir, file)) as Template]));
  const extraParams = existsSync(join(dir, PARAMETERS_FILE))
    ? ((loadCfnYaml(join(dir, PARAMETERS_FILE)) as { Parameters: Record<string, unknown> }).Parameters ?? {})
    : {};

  test("holds at least one template", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)("%s declares Copilot's parameters and nothing Copilot cannot supply", (file) => {
    const declared = templates[file]?.Parameters ?? {};
    for (const name of copilotParams) expect(declared[name]?.Type).toBe("String");
    // An environment addon receives App and Env only; a required Name would fail the deployment.
    if (kind === "environment") expect(declared.Name).toBeUndefined();
    const unsupplied = Object.entries(declared).filter(
      ([name, param]) =>
        !copilotParams.includes(name) && !(name in extraParams) && param.Default === undefined,
    );
    expect(unsupplied.map(([name]) => name)).toEqual([]);
  });

  test.each(files)("%s has no dangling Ref, GetAtt, Sub or Condition", (file) => {
    expect(templateProblems(templates[file] as Template)).toEqual([]);
  });

  test("addons.parameters.yml feeds declared parameters from resources the parent stack has", () => {
    const declaredAnywhere = new Set(files.flatMap((file) => Object.keys(templates[file]?.Parameters ?? {})));
    for (const [name, value] of Object.entries(extraParams)) {
      expect({ name, declared: declaredAnywhere.has(name) }).toEqual({ name, declared: true });
      for (const id of referencedIds(value))
        expect({ name, id, known: PARENT_IDS[kind].has(id) }).toEqual({ name, id, known: true });
    }
  });
});

test("every service carries the same observability and SSM addons (one definition, no drift)", () => {
  for (const file of ["observability.yml", "ssm-access.yml"]) {
    const copies = serviceNames().map((service) =>
      readFileSync(join(copilotDir, service, "addons", file), "utf8"),
    );
    expect(new Set(copies).size).toBe(1);
  }
});

describe("the database addon", () => {
  const envAddons = join(copilotDir, "environments", "addons");
  const template = loadCfnYaml(join(envAddons, "database.yml")) as Template;
  const operatorParams = (
    loadCfnYaml(join(envAddons, PARAMETERS_FILE)) as { Parameters: Record<string, unknown> }
  ).Parameters;
  const props = (env: string): Record<string, unknown> =>
    evaluate(template, template.Resources?.DatabaseCluster?.Properties, {
      parameters: {
        App: applicationName(),
        Env: env,
        VpcId: "vpc-1",
        PrivateSubnets: "subnet-a,subnet-b",
        EngineVersion: String(operatorParams.EngineVersion),
      },
    }) as Record<string, unknown>;

  test("the engine version is the operator's choice: a parameter with a default, set in addons.parameters.yml", () => {
    const param = template.Parameters?.EngineVersion as {
      Type: string;
      Default: string;
      AllowedPattern: string;
    };
    expect(param.Type).toBe("String");
    const pattern = new RegExp(param.AllowedPattern);
    expect([param.Default, String(operatorParams.EngineVersion)].every((v) => pattern.test(v))).toBe(true);
    expect(["16.6", "16.10"].map((v) => pattern.test(v))).toEqual([true, true]);
    expect(["17.2", "16", "16.6 ", "15.10"].map((v) => pattern.test(v))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(props("staging").EngineVersion).toBe(String(operatorParams.EngineVersion));
    const docs = readFileSync(join(copilotDir, "..", "docs", "deploy.md"), "utf8");
    expect(docs).toContain("aws rds describe-db-engine-versions --engine aurora-postgresql");
    expect(docs).toContain("copilot/environments/addons/addons.parameters.yml");
  });

  test("protects production: deletion protection, two weeks of backups, warm capacity and a reader", () => {
    expect(props("production")).toMatchObject({ DeletionProtection: true, BackupRetentionPeriod: 14 });
    expect(props("staging")).toMatchObject({ DeletionProtection: false, BackupRetentionPeriod: 1 });
    const scaling = (env: string): unknown => props(env).ServerlessV2ScalingConfiguration;
    expect(scaling("production")).toEqual({ MinCapacity: 1, MaxCapacity: 16 });
    expect(scaling("staging")).toEqual({ MinCapacity: 0.5, MaxCapacity: 4 });
    expect(template.Resources?.DatabaseReaderInstance?.Condition).toBe("IsProduction");
  });

  test("keeps a final snapshot, runs Aurora PostgreSQL 16 and encrypts storage", () => {
    const cluster = template.Resources?.DatabaseCluster as Record<string, unknown>;
    expect(cluster.DeletionPolicy).toBe("Snapshot");
    expect(cluster.UpdateReplacePolicy).toBe("Snapshot");
    expect(props("staging")).toMatchObject({ Engine: "aurora-postgresql", StorageEncrypted: true });
    expect(String(props("staging").EngineVersion)).toMatch(/^16\.\d+$/);
  });

  test("generates the secret with the fields DB_SECRET needs and the tags Copilot's execution role requires", () => {
    const secret = evaluate(template, template.Resources?.DatabaseSecret?.Properties, {
      parameters: { App: "retail-mcp", Env: "staging" },
    }) as {
      GenerateSecretString: { SecretStringTemplate: string; GenerateStringKey: string };
      Tags: unknown[];
    };
    expect(JSON.parse(secret.GenerateSecretString.SecretStringTemplate)).toMatchObject({
      username: expect.any(String),
      dbname: "retail",
    });
    expect(secret.GenerateSecretString.GenerateStringKey).toBe("password");
    expect(secret.Tags).toEqual([
      { Key: "copilot-application", Value: "retail-mcp" },
      { Key: "copilot-environment", Value: "staging" },
    ]);
  });
});

describe("the template checks catch mistakes", () => {
  test("an unknown tag is a parse error, not a string", () => {
    expect(() => parseCfnYaml("Value: !Reff Name")).toThrow(/Reff/);
  });

  test("dangling references are reported", () => {
    const broken = parseCfnYaml(
      [
        "Parameters: { App: { Type: String } }",
        "Conditions: { IsProd: !Equals [!Ref Envv, production] }",
        "Resources:",
        "  Topic:",
        "    Type: AWS::SNS::Topic",
        "    Condition: IsStaging",
        "    Properties:",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax, not a JS template
        "      TopicName: !Sub ${App}-${Name}",
        "      DisplayName: !GetAtt Missing.Name",
        "      KmsMasterKeyId: !If [IsProd, !Ref App, !Ref AWS::NoValue]",
      ].join("\n"),
    ) as Template;
    expect(templateProblems(broken)).toEqual([
      "Conditions/IsProd/Fn::Equals/0/Ref: unknown Envv",
      "Resources/Topic/Condition: no condition IsStaging",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax, not a JS template
      "Resources/Topic/Properties/TopicName/Fn::Sub: unknown ${Name}",
      "Resources/Topic/Properties/DisplayName/Fn::GetAtt: no resource Missing",
    ]);
  });
});
