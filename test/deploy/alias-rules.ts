/**
 * The offline part of the checks `copilot svc deploy` (v1.34.1) runs on `http.alias` before it
 * deploys, so a manifest Copilot would refuse fails here instead:
 * - internal/pkg/cli/deploy/lbws.go validateRuntimeRoutingRule: an environment that imports a
 *   certificate (`http.public.certificates`, or `cdn.certificate`) needs an alias on every ALB rule
 *   (`http` and each `http.additional_rules[i]`) unless the service imports its own ALB; alias
 *   hosted zones need an imported certificate;
 * - internal/pkg/manifest/validate.go: `hosted_zone` needs an alias.
 * The certificate's names are checked against the aliases by Copilot through ACM at deploy time;
 * that part needs AWS and is not repeated here.
 */
import { aliasEntries } from "../../scripts/service-url.ts";
import { at, type Manifest, mergedForEnvironment } from "./copilot-workspace.ts";

/** Every ALB routing rule of a merged service manifest: `http` itself, then its additional rules. */
export function routingRules(merged: Manifest): Array<{ label: string; rule: Record<string, unknown> }> {
  const http = at(merged, "http");
  if (typeof http !== "object" || http === null) return [];
  const main = http as Record<string, unknown>;
  const extra = (Array.isArray(main.additional_rules) ? main.additional_rules : []) as Array<
    Record<string, unknown>
  >;
  return [
    { label: "http", rule: main },
    ...extra.map((rule, index) => ({ label: `http.additional_rules[${index}]`, rule })),
  ];
}

export function importsCertificate(environment: Manifest): boolean {
  const certificates = at(environment, "http", "public", "certificates");
  return (
    (Array.isArray(certificates) && certificates.length > 0) ||
    at(environment, "cdn", "certificate") !== undefined
  );
}

/** What `copilot svc deploy --name <service> --env <env>` would refuse about aliases, in its words. */
export function aliasProblems(
  service: string,
  manifest: Manifest,
  env: string,
  environment: Manifest,
): string[] {
  const merged = mergedForEnvironment(manifest, env);
  const certificates = importsCertificate(environment);
  const importedAlb = at(merged, "http", "alb") !== undefined;
  const problems: string[] = [];
  for (const { label, rule } of routingRules(merged)) {
    const aliases = aliasEntries(rule.alias);
    if (rule.hosted_zone !== undefined && aliases.length === 0) {
      problems.push(`${label}: "alias" must be specified if "hosted_zone" is specified`);
    }
    if (aliases.length === 0) {
      if (certificates && !importedAlb) {
        problems.push(
          `validate ALB runtime configuration for "${label}": cannot deploy service ${service} without "alias" to environment ${env} with certificate imported`,
        );
      }
      continue;
    }
    const zones = aliases.flatMap((alias) => (alias.hostedZone ? [alias.hostedZone] : []));
    if (zones.length > 0 && !certificates) {
      problems.push(
        `${label}: cannot specify alias hosted zones ${zones.join(" ")} when no certificates are imported in environment "${env}"`,
      );
    }
  }
  return problems;
}

/** The Route 53 records a merged manifest makes Copilot create: alias names per hosted zone. */
export function aliasRecords(merged: Manifest): Array<{ zone: string; name: string }> {
  const records: Array<{ zone: string; name: string }> = [];
  for (const { rule } of routingRules(merged)) {
    const fallback = typeof rule.hosted_zone === "string" ? rule.hosted_zone : undefined;
    for (const alias of aliasEntries(rule.alias)) {
      const zone = alias.hostedZone ?? fallback;
      if (zone) records.push({ zone, name: alias.name });
    }
  }
  return records;
}
