import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadCfnYaml } from "./cfn-yaml.ts";
import { copilotDir } from "./copilot-workspace.ts";
import { applyPatch, type PatchOperation } from "./json-patch.ts";

const patches = loadCfnYaml(
  join(copilotDir, "environments", "overrides", "cfn.patches.yml"),
) as PatchOperation[];
const envTemplate = loadCfnYaml(join(import.meta.dir, "fixtures", "copilot-env-public-alb.yml"));

type Attribute = { Key: string; Value: unknown };
const attributes = (template: unknown): Attribute[] =>
  (template as { Resources: { PublicLoadBalancer: { Properties: { LoadBalancerAttributes: Attribute[] } } } })
    .Resources.PublicLoadBalancer.Properties.LoadBalancerAttributes;

describe("copilot/environments/overrides/cfn.patches.yml", () => {
  test("uses only the operations Copilot supports", () => {
    expect(patches.length).toBeGreaterThan(0);
    for (const patch of patches) expect(["add", "remove", "replace"]).toContain(patch.op);
  });

  test("applies to Copilot's PublicLoadBalancer and raises its idle timeout to 300 s", () => {
    const patched = applyPatch(envTemplate, patches);
    expect(attributes(patched)).toEqual([
      { Key: "access_logs.s3.enabled", Value: false },
      { Key: "idle_timeout.timeout_seconds", Value: "300" },
    ]);
    const timeout = Number(attributes(patched).find((a) => a.Key === "idle_timeout.timeout_seconds")?.Value);
    // ALB accepts 1-4000 s; above the default 60 s is the point of the patch.
    expect(timeout).toBeGreaterThan(60);
    expect(timeout).toBeLessThanOrEqual(4000);
    expect(attributes(envTemplate)).toHaveLength(1);
  });

  test("would fail loudly if the resource or its attribute list were named differently", () => {
    const renamed = {
      Resources: {
        PublicALB: (envTemplate as { Resources: Record<string, unknown> }).Resources.PublicLoadBalancer,
      },
    };
    expect(() => applyPatch(renamed, patches)).toThrow(/"PublicLoadBalancer" does not exist/);
    const withoutList = structuredClone(envTemplate) as {
      Resources: { PublicLoadBalancer: { Properties: Record<string, unknown> } };
    };
    delete withoutList.Resources.PublicLoadBalancer.Properties.LoadBalancerAttributes;
    expect(() => applyPatch(withoutList, patches)).toThrow(/"LoadBalancerAttributes" does not exist/);
  });
});
