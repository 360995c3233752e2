/**
 * CloudFormation YAML loader for tests: the short-form intrinsic tags (`!Ref`, `!Sub`, `!GetAtt` …)
 * in scalar, sequence and mapping positions become their long JSON form (`{ "Fn::Sub": … }`), so a
 * template can be checked as plain data. Unknown tags are errors, not silently strings.
 */
import { readFileSync } from "node:fs";
import { parseDocument, type Tags, type YAMLMap, type YAMLSeq } from "yaml";

const FUNCTIONS: Record<string, string> = {
  Ref: "Ref",
  Condition: "Condition",
  Sub: "Fn::Sub",
  GetAtt: "Fn::GetAtt",
  If: "Fn::If",
  Equals: "Fn::Equals",
  Select: "Fn::Select",
  GetAZs: "Fn::GetAZs",
  Join: "Fn::Join",
  Split: "Fn::Split",
  ImportValue: "Fn::ImportValue",
  Not: "Fn::Not",
  And: "Fn::And",
  Or: "Fn::Or",
  FindInMap: "Fn::FindInMap",
  Base64: "Fn::Base64",
  Cidr: "Fn::Cidr",
};

/** `!GetAtt A.B` is the short form of `Fn::GetAtt: [A, B]`; every other scalar stays a string. */
function scalarValue(name: string, value: string): unknown {
  if (name !== "GetAtt") return value;
  const dot = value.indexOf(".");
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

function cfnTags(): Tags {
  const tags: Tags = [];
  for (const [name, key] of Object.entries(FUNCTIONS)) {
    const tag = `!${name}`;
    tags.push({ tag, resolve: (value: string) => ({ [key]: scalarValue(name, value) }) });
    for (const collection of ["seq", "map"] as const) {
      tags.push({
        tag,
        collection,
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: node.toJSON() }),
      });
    }
  }
  return tags;
}

/** Parses CloudFormation YAML text; throws on a syntax error, a duplicate key or an unknown tag. */
export function parseCfnYaml(text: string): unknown {
  const doc = parseDocument(text, { customTags: cfnTags(), prettyErrors: true, uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new Error(problem.message);
  return doc.toJS({ maxAliasCount: 0 });
}

export function loadCfnYaml(path: string): unknown {
  try {
    return parseCfnYaml(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
