/**
 * Both environments import an ACM certificate, so every service needs `http.alias` there or
 * `copilot svc deploy` refuses it (test/deploy/alias-rules.ts has the rules and their sources). The
 * two services share one host per environment, which the deploy workflow, the smoke test and the
 * Claude Desktop config in the docs all use.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { aliasEntries, serviceUrl } from "../../scripts/service-url.ts";
import { aliasProblems, aliasRecords, importsCertificate } from "./alias-rules.ts";
import {
  copilotDir,
  environmentManifestPath,
  environmentNames,
  type Manifest,
  mergedForEnvironment,
  readYaml,
  repoRoot,
  serviceManifestPath,
  serviceNames,
} from "./copilot-workspace.ts";

const services = serviceNames();
const environments = environmentNames();
const environment = (env: string): Manifest => readYaml(environmentManifestPath(env));
const service = (name: string): Manifest => readYaml(serviceManifestPath(name));
const hostsOf = (name: string, env: string): string[] =>
  aliasEntries((mergedForEnvironment(service(name), env).http as Record<string, unknown>).alias).map(
    (alias) => alias.name,
  );

describe.each(environments)("in %s", (env) => {
  test("the environment imports a certificate (the reason every service needs an alias)", () => {
    expect(importsCertificate(environment(env))).toBe(true);
  });

  test.each(services)("%s has an alias Copilot accepts", (name) => {
    expect(aliasProblems(name, service(name), env, environment(env))).toEqual([]);
    expect(hostsOf(name, env).length).toBeGreaterThan(0);
  });

  test("both services share one host name", () => {
    const hosts = services.map((name) => hostsOf(name, env));
    expect(new Set(hosts.map((h) => h.join(","))).size).toBe(1);
    for (const host of hosts.flat()) expect(host).toMatch(/^([a-z0-9-]+\.)+[a-z]{2,}$/);
  });

  test("no two services create the same Route 53 record (hosted_zone on one service at most)", () => {
    const records = services.flatMap((name) => aliasRecords(mergedForEnvironment(service(name), env)));
    const keys = records.map((r) => `${r.zone} ${r.name}`);
    expect(keys.filter((key, index) => keys.indexOf(key) !== index)).toEqual([]);
  });

  test.each(services)("%s: scripts/service-url.ts gives https://<alias><http.path>", (name) => {
    const path = (mergedForEnvironment(service(name), env).http as { path: string }).path;
    expect(serviceUrl(name, env, copilotDir)).toBe(`https://${hostsOf(name, env)[0]}${path}`);
  });
});

test("environments use different hosts", () => {
  const first = services[0] ?? "";
  expect(new Set(environments.map((env) => hostsOf(first, env)[0])).size).toBe(environments.length);
});

describe("the rules reject what Copilot refuses", () => {
  const product = service("product-service");
  const staging = environment("staging");
  const withoutAlias = (manifest: Manifest): Manifest => {
    const copy = structuredClone(manifest) as Manifest & {
      environments: Record<string, { http?: Record<string, unknown> }>;
    };
    for (const override of Object.values(copy.environments)) delete override.http?.alias;
    delete (copy.http as Record<string, unknown>).alias;
    return copy;
  };

  test("no alias, certificate imported: the error copilot svc deploy prints", () => {
    expect(aliasProblems("product-service", withoutAlias(product), "staging", staging)).toEqual([
      'validate ALB runtime configuration for "http": cannot deploy service product-service without "alias" to environment staging with certificate imported',
    ]);
  });

  test("an additional rule without an alias is refused too", () => {
    const copy = structuredClone(product) as Manifest & { http: Record<string, unknown> };
    copy.http.additional_rules = [{ path: "/product/admin" }];
    expect(aliasProblems("product-service", copy, "staging", staging)).toEqual([
      'validate ALB runtime configuration for "http.additional_rules[0]": cannot deploy service product-service without "alias" to environment staging with certificate imported',
    ]);
  });

  test("no certificate: no alias needed, and alias hosted zones are refused", () => {
    const plain = structuredClone(staging) as Manifest & { http: { public: Record<string, unknown> } };
    delete plain.http.public.certificates;
    expect(aliasProblems("product-service", withoutAlias(product), "staging", plain)).toEqual([]);
    const zoned = withoutAlias(product) as Manifest & { http: Record<string, unknown> };
    zoned.http.alias = [{ name: "mcp.example.com", hosted_zone: "Z0123" }];
    expect(aliasProblems("product-service", zoned, "staging", plain).join()).toContain(
      "cannot specify alias hosted zones Z0123",
    );
  });

  test("hosted_zone without an alias", () => {
    const copy = withoutAlias(product) as Manifest & { http: Record<string, unknown> };
    copy.http.hosted_zone = "Z0123";
    expect(aliasProblems("product-service", copy, "staging", staging)).toContain(
      'http: "alias" must be specified if "hosted_zone" is specified',
    );
  });

  test("the same record from two services is a duplicate; the zone may come from http.hosted_zone", () => {
    const zoned = mergedForEnvironment(
      { ...product, http: { ...(product.http as object), alias: "mcp.example.com", hosted_zone: "Z1" } },
      "none",
    );
    expect(aliasRecords(zoned)).toEqual([{ zone: "Z1", name: "mcp.example.com" }]);
    expect(aliasRecords(mergedForEnvironment({ http: { alias: ["a.example.com"] } }, "x"))).toEqual([]);
  });
});

test("docs/deploy.md uses the manifests' hosts for the certificate, the smoke test and Claude Desktop", () => {
  const docs = readFileSync(join(repoRoot, "docs", "deploy.md"), "utf8");
  const hosts = new Set(environments.flatMap((env) => services.flatMap((name) => hostsOf(name, env))));
  const named = [...docs.matchAll(/(?:https:\/\/|--domain-name )(mcp[a-z0-9.-]*)/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(3);
  expect(named.filter((host) => !hosts.has(host ?? ""))).toEqual([]);
  expect(docs).toContain("http.alias");
});
