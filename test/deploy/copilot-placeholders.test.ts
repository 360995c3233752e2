/**
 * The environment manifests ship with one documented placeholder, the certificate ARN. It must be
 * either exactly that placeholder or a well-formed ACM ARN, and docs/deploy.md must say how to
 * replace it, so a half-edited value never reaches `copilot env deploy`.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { at, environmentManifestPath, environmentNames, readYaml, repoRoot } from "./copilot-workspace.ts";

export const CERTIFICATE_PLACEHOLDER = "arn:aws:acm:REGION:ACCOUNT:certificate/REPLACE_ME";
const ACM_ARN =
  /^arn:aws:acm:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

export function certificateProblem(value: string): string | undefined {
  if (value === CERTIFICATE_PLACEHOLDER || ACM_ARN.test(value)) return undefined;
  return `${value} is neither the placeholder ${CERTIFICATE_PLACEHOLDER} nor an ACM certificate ARN`;
}

describe.each(environmentNames())("%s", (env) => {
  test("lists certificates that are the placeholder or real ACM ARNs", () => {
    const certificates = at(
      readYaml(environmentManifestPath(env)),
      "http",
      "public",
      "certificates",
    ) as string[];
    expect(certificates.length).toBeGreaterThan(0);
    expect(certificates.map(certificateProblem).filter(Boolean)).toEqual([]);
  });
});

test("the check rejects half-replaced placeholders and accepts a real ARN", () => {
  expect(certificateProblem("arn:aws:acm:eu-west-1:ACCOUNT:certificate/REPLACE_ME")).toBeDefined();
  expect(certificateProblem("arn:aws:acm:eu-west-1:123456789012:certificate/REPLACE_ME")).toBeDefined();
  expect(
    certificateProblem("arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
  ).toBeUndefined();
});

test("docs/deploy.md explains the placeholder and how to replace it", () => {
  const docs = readFileSync(join(repoRoot, "docs", "deploy.md"), "utf8");
  expect(docs).toContain(CERTIFICATE_PLACEHOLDER);
  expect(docs).toContain("copilot/environments/staging/manifest.yml");
  expect(docs).toMatch(/aws acm request-certificate/);
});
