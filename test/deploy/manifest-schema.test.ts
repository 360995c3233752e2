import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import {
  environmentManifestPath,
  environmentNames,
  mergedForEnvironment,
  readYaml,
  serviceManifestPath,
  serviceNames,
} from "./copilot-workspace.ts";
import { patchEnvironmentSchema } from "./schema-patches.ts";

const schemaDir = join(import.meta.dir, "copilot-schemas");

function loadSchemas(patch: boolean): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const file of readdirSync(schemaDir).filter((name) => name.endsWith(".json"))) {
    const json = JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
    ajv.addSchema(patch && file === "environment.json" ? patchEnvironmentSchema(json) : json, file);
  }
  return ajv;
}

const ajv = loadSchemas(true);
const validator = (file: string): ValidateFunction => {
  const validate = ajv.getSchema(file);
  if (!validate) throw new Error(`schema ${file} did not load`);
  return validate;
};
const validateService = validator("lb-web-service.json");
const validateEnvironment = validator("environment.json");

function errorsOf(validate: ValidateFunction, data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

const environments = environmentNames();
const services = serviceNames();

test("the workspace has the two environments and the two services of the contract", () => {
  expect(environments.sort()).toEqual(["production", "staging"]);
  expect(services.sort()).toEqual(["order-service", "product-service"]);
});

describe("environment manifests match environment.json", () => {
  for (const env of environments) {
    test(env, () => {
      expect(errorsOf(validateEnvironment, readYaml(environmentManifestPath(env)))).toEqual([]);
    });
  }
});

describe("service manifests match lb-web-service.json, as written and merged for each environment", () => {
  for (const service of services) {
    const manifest = readYaml(serviceManifestPath(service));
    test(service, () => {
      expect(errorsOf(validateService, manifest)).toEqual([]);
    });
    for (const env of environments) {
      test(`${service} in ${env}`, () => {
        expect(errorsOf(validateService, mergedForEnvironment(manifest, env))).toEqual([]);
      });
    }
  }
});

describe("the validation rejects broken manifests", () => {
  const product = readYaml(serviceManifestPath("product-service"));
  const staging = readYaml(environmentManifestPath("staging"));

  test("a service manifest with a wrong type, a bad cpu and an unknown field", () => {
    const broken = { ...product, type: "Load Balanced Service", cpu: 300, helthcheck: "/health" };
    const errors = errorsOf(validateService, broken).join("\n");
    expect(errors).toContain("/type");
    expect(errors).toContain("/cpu");
    expect(errors).toContain("additional properties");
  });

  test("an environment override that breaks the merged manifest", () => {
    const broken = { ...product, environments: { staging: { count: { range: "two-ten" } } } };
    expect(errorsOf(validateService, broken)).toEqual([]);
    expect(errorsOf(validateService, mergedForEnvironment(broken, "staging")).join()).toContain("/count");
  });

  test("an environment manifest with a bad CIDR and a non-ACM certificate", () => {
    const broken = structuredClone(staging) as Record<string, Record<string, Record<string, unknown>>>;
    (broken.network?.vpc as Record<string, unknown>).cidr = "10.0.0.0";
    (broken.http?.public as Record<string, unknown>).certificates = [
      "arn:aws:iam::123456789012:server-certificate/x",
    ];
    const errors = errorsOf(validateEnvironment, broken).join("\n");
    expect(errors).toContain("/network/vpc/cidr");
    expect(errors).toContain("/http/public/certificates/0");
  });

  test("the TLS 1.3 ssl_policy patch is still needed, and only admits real policy names", () => {
    const unpatched = loadSchemas(false).getSchema("environment.json");
    if (!unpatched) throw new Error("environment.json did not load");
    expect(errorsOf(unpatched, staging).join()).toContain("/http/public/ssl_policy");
    const typo = structuredClone(staging) as { http: { public: { ssl_policy: string } } };
    typo.http.public.ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2099-01";
    expect(errorsOf(validateEnvironment, typo).join()).toContain("/http/public/ssl_policy");
  });
});
