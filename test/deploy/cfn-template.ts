/**
 * Offline checks and a small evaluator for CloudFormation templates loaded by cfn-yaml.ts.
 * `templateProblems` finds dangling Ref/GetAtt/Sub/Condition names (what `aws cloudformation
 * validate-template` would reject); `evaluate` resolves intrinsics with sample parameter values so
 * tests can compare policy ARNs, alarm names and dashboard JSON with the manifests.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Template = {
  Parameters?: Record<string, { Type: string; Default?: Json }>;
  Conditions?: Record<string, Json>;
  Resources?: Record<string, { Type: string; Condition?: string; Properties?: Json }>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json }; Condition?: string }>;
};

const PSEUDO = new Set([
  "AWS::AccountId",
  "AWS::NoValue",
  "AWS::NotificationARNs",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The `${Name}` references of a Sub string; `${!Literal}` is an escape, not a reference. */
export function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((match) => (match[1] ?? "").trim());
}

/** Every problem found, one line each; an empty list means the references are consistent. */
export function templateProblems(template: Template): string[] {
  const problems: string[] = [];
  const params = new Set(Object.keys(template.Parameters ?? {}));
  const resources = new Set(Object.keys(template.Resources ?? {}));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  if (resources.size === 0) problems.push("Resources: a template needs at least one resource");
  const known = (name: string): boolean => params.has(name) || resources.has(name) || PSEUDO.has(name);

  const walk = (node: unknown, where: string, subVars: Set<string>): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        walk(item, `${where}/${index}`, subVars);
      });
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const at = `${where}/${key}`;
      if (key === "Ref" && typeof value === "string" && !known(value))
        problems.push(`${at}: unknown ${value}`);
      if (key === "Fn::GetAtt") {
        const target = Array.isArray(value) ? value[0] : undefined;
        if (typeof target !== "string" || !resources.has(target)) {
          problems.push(`${at}: no resource ${String(target)}`);
        }
      }
      if (key === "Fn::If") {
        const name = Array.isArray(value) ? value[0] : undefined;
        if (typeof name !== "string" || !conditions.has(name))
          problems.push(`${at}: no condition ${String(name)}`);
      }
      if (key === "Condition" && typeof value === "string" && !conditions.has(value)) {
        problems.push(`${at}: no condition ${value}`);
      }
      if (key === "Fn::Sub") {
        const [text, vars] = Array.isArray(value) ? value : [value, {}];
        const local = new Set([...subVars, ...Object.keys(isObject(vars) ? vars : {})]);
        for (const name of subReferences(String(text))) {
          const base = name.split(".")[0] ?? name;
          if (!local.has(name) && !known(name) && !resources.has(base))
            problems.push(`${at}: unknown \${${name}}`);
        }
        if (isObject(vars)) walk(vars, at, subVars);
        continue;
      }
      walk(value, at, subVars);
    }
  };
  walk(template.Conditions, "Conditions", new Set());
  walk(template.Resources, "Resources", new Set());
  walk(template.Outputs, "Outputs", new Set());
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Value === undefined) problems.push(`Outputs/${name}: has no Value`);
  }
  return problems;
}

export interface EvalContext {
  parameters: Record<string, string>;
  /** Export name → value, for Fn::ImportValue. Missing names evaluate to `import:<name>`. */
  imports?: Record<string, string>;
  region?: string;
  accountId?: string;
}

const NO_VALUE = Symbol("AWS::NoValue");

/** Resolves intrinsic functions; resources evaluate to placeholders such as `<DatabaseSecret>`. */
export function evaluate(template: Template, node: unknown, context: EvalContext): unknown {
  const region = context.region ?? "eu-west-1";
  const pseudo: Record<string, string> = {
    "AWS::AccountId": context.accountId ?? "123456789012",
    "AWS::Partition": "aws",
    "AWS::Region": region,
    "AWS::StackName": "stack",
    "AWS::URLSuffix": "amazonaws.com",
  };
  const lookup = (name: string, vars: Record<string, unknown>): string => {
    if (name in vars) return String(vars[name]);
    if (name in context.parameters) return String(context.parameters[name]);
    if (name in pseudo) return String(pseudo[name]);
    if (template.Resources?.[name.split(".")[0] ?? ""]) return `<${name}>`;
    throw new Error(`cannot resolve ${name}`);
  };
  const condition = (name: string): boolean => Boolean(run(template.Conditions?.[name]));
  const run = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(run).filter((item) => item !== NO_VALUE);
    if (!isObject(value)) return value;
    const [key, arg] = Object.entries(value)[0] ?? [];
    const args = arg as unknown[];
    switch (key) {
      case "Ref":
        return arg === "AWS::NoValue" ? NO_VALUE : lookup(String(arg), {});
      case "Condition":
        return condition(String(arg));
      case "Fn::GetAtt":
        return `<${args.join(".")}>`;
      case "Fn::ImportValue": {
        const name = String(run(arg));
        return context.imports?.[name] ?? `import:${name}`;
      }
      case "Fn::Sub": {
        const [text, rawVars] = Array.isArray(arg) ? arg : [arg, {}];
        const vars = Object.fromEntries(Object.entries(rawVars as object).map(([k, v]) => [k, run(v)]));
        return String(text).replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => lookup(name.trim(), vars));
      }
      case "Fn::Join":
        return (run(args[1]) as unknown[]).join(String(args[0]));
      case "Fn::Split":
        return String(run(args[1])).split(String(args[0]));
      case "Fn::Select":
        return (run(args[1]) as unknown[])[Number(run(args[0]))];
      case "Fn::GetAZs":
        return [`${region}a`, `${region}b`, `${region}c`];
      case "Fn::If":
        return run(condition(String(args[0])) ? args[1] : args[2]);
      case "Fn::Equals":
        return run(args[0]) === run(args[1]);
      case "Fn::Not":
        return !run(args[0]);
      case "Fn::And":
        return args.every((item) => Boolean(run(item)));
      case "Fn::Or":
        return args.some((item) => Boolean(run(item)));
      default:
        return Object.fromEntries(
          Object.entries(value)
            .map(([k, v]) => [k, run(v)])
            .filter(([, v]) => v !== NO_VALUE),
        );
    }
  };
  return run(node);
}

/** Export name → evaluated value of every exported output, for the given context. */
export function exportsOf(template: Template, context: EvalContext): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (!output.Export) continue;
    result[String(evaluate(template, output.Export.Name, context))] = String(
      evaluate(template, output.Value, context) ?? name,
    );
  }
  return result;
}
