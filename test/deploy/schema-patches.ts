/**
 * In-memory corrections to the vendored community schemas where they lag Copilot v1.34.1. Each
 * patch names the field, what the schema says, and why the Copilot docs and code allow more.
 * test/deploy/manifest-schema.test.ts fails when a patch stops being needed.
 */
type Schema = Record<string, unknown>;

/** TLS 1.3 listener policies (added to ELB in 2021-2023). The schema's enum stops at 2020 FS policies. */
export const TLS13_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-1-2021-06",
  "ELBSecurityPolicy-TLS13-1-0-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
];

function sslPolicyNode(schema: Schema, scope: "public" | "private"): { enum: string[] } {
  const node = (((schema.properties as Schema).http as Schema).properties as Schema)[scope] as Schema;
  return (node.properties as Schema).ssl_policy as { enum: string[] };
}

/**
 * environment.json `http.{public,private}.ssl_policy`: an enum without the TLS 1.3 policies.
 * Copilot does not validate this field (internal/pkg/manifest/validate_env.go) and copies it into
 * the listener's SslPolicy; the docs describe it as any ELB security policy name.
 */
export function patchEnvironmentSchema(schema: Schema): Schema {
  const copy = structuredClone(schema);
  for (const scope of ["public", "private"] as const) {
    const node = sslPolicyNode(copy, scope);
    node.enum = [...node.enum, ...TLS13_POLICIES.filter((policy) => !node.enum.includes(policy))];
  }
  return copy;
}
