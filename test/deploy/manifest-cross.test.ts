/**
 * The service manifests against the application's own contract: every variable a deployed task
 * needs is provided and valid for the service's config schema, and ports, paths, health checks and
 * shutdown timings agree across the manifest, the Dockerfile and the environment patch.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCfnYaml } from "./cfn-yaml.ts";
import {
  at,
  copilotDir,
  environmentNames,
  type Manifest,
  readYaml,
  repoRoot,
  resolvedForEnvironment,
  serviceManifestPath,
  serviceNames,
} from "./copilot-workspace.ts";
import { parseDockerfile } from "./dockerfile.ts";

const services = serviceNames();
const environments = environmentNames();
const dockerfile = parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));
const finalStage = dockerfile.stages.at(-1);

/** Copilot durations: "60s", "2m", "500ms". */
function seconds(duration: unknown): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(String(duration));
  if (!match) throw new Error(`not a duration: ${String(duration)}`);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * factor;
}

function resolved(service: string, env: string): Manifest {
  return resolvedForEnvironment(readYaml(serviceManifestPath(service)), env);
}

const vars = (m: Manifest): Record<string, string> => (at(m, "variables") ?? {}) as Record<string, string>;
const secrets = (m: Manifest): Record<string, unknown> => (at(m, "secrets") ?? {}) as Record<string, unknown>;

/** Shapes of what the secret sources hand the task at run time, for the config schema check. */
const SAMPLE_SECRET_VALUES: Record<string, string> = {
  DB_SECRET: JSON.stringify({
    host: "db.internal",
    port: 5432,
    dbname: "retail",
    username: "u",
    password: "p",
  }),
  INTERNAL_TOKEN: "a-long-random-internal-token-value-0123456789",
};

interface ServiceConfigModule {
  configSchema: {
    shape: Record<string, unknown>;
    safeParse(input: unknown): { success: boolean; error?: unknown };
  };
  cloudRequiredVariables: readonly string[];
}

async function configOf(service: string): Promise<ServiceConfigModule> {
  const path = join(repoRoot, service, "src", "config.ts");
  const module = (await import(path)) as Partial<ServiceConfigModule>;
  if (!module.configSchema || !Array.isArray(module.cloudRequiredVariables)) {
    throw new Error(`${path} must export configSchema and cloudRequiredVariables (see the contract)`);
  }
  return module as ServiceConfigModule;
}

describe.each(services)("%s", (service) => {
  describe.each(environments)("in %s", (env) => {
    const manifest = resolved(service, env);

    test("provides every cloudRequiredVariables entry through variables or secrets", async () => {
      const { cloudRequiredVariables } = await configOf(service);
      const provided = new Set([...Object.keys(vars(manifest)), ...Object.keys(secrets(manifest))]);
      expect(cloudRequiredVariables.filter((name) => !provided.has(name))).toEqual([]);
    });

    test("names only variables the config schema knows, with values it accepts", async () => {
      const { configSchema } = await configOf(service);
      const names = [...Object.keys(vars(manifest)), ...Object.keys(secrets(manifest))];
      expect(names.filter((name) => !(name in configSchema.shape))).toEqual([]);
      const env = { ...vars(manifest) };
      for (const name of Object.keys(secrets(manifest)))
        env[name] = SAMPLE_SECRET_VALUES[name] ?? "secret-value";
      const result = configSchema.safeParse(env);
      expect(result.success ? "valid" : String(result.error)).toBe("valid");
    });

    test("routes http.path to BASE_PATH and health-checks a real route under it", () => {
      const basePath = vars(manifest).BASE_PATH;
      expect(at(manifest, "http", "path")).toBe(basePath);
      expect([`${basePath}/health`, `${basePath}/ready`]).toContain(
        at(manifest, "http", "healthcheck", "path") as string,
      );
    });

    test("uses one port everywhere: image.port, PORT and the Dockerfile EXPOSE", () => {
      const exposed = finalStage?.instructions
        .filter((i) => i.keyword === "EXPOSE")
        .flatMap((i) => i.args.split(/\s+/).map((port) => Number.parseInt(port, 10)));
      expect(exposed).toEqual([Number(at(manifest, "image", "port"))]);
      expect(Number(vars(manifest).PORT)).toBe(Number(at(manifest, "image", "port")));
      expect(vars(manifest).HOST).toBe("0.0.0.0");
    });

    test("has ALB health-check thresholds of 2-3, an interval of at most 15 s and a grace period", () => {
      const check = at(manifest, "http", "healthcheck") as Record<string, unknown>;
      for (const key of ["healthy_threshold", "unhealthy_threshold"]) {
        expect(Number(check[key])).toBeGreaterThanOrEqual(2);
        expect(Number(check[key])).toBeLessThanOrEqual(3);
      }
      expect(seconds(check.interval)).toBeLessThanOrEqual(15);
      expect(seconds(check.timeout)).toBeLessThan(seconds(check.interval));
      expect(seconds(check.grace_period)).toBeGreaterThan(0);
    });

    test("drains for as long as the app does, and ECS waits longer than both", () => {
      const shutdownMs = Number(vars(manifest).SHUTDOWN_TIMEOUT_MS);
      expect(seconds(at(manifest, "http", "deregistration_delay")) * 1000).toBe(shutdownMs);
      const overrides = (at(manifest, "taskdef_overrides") ?? []) as { path: string; value: unknown }[];
      const stop = overrides.find((o) => o.path === "ContainerDefinitions[0].StopTimeout")?.value;
      expect(Number(stop) * 1000).toBeGreaterThan(shutdownMs);
      expect(Number(stop)).toBeLessThanOrEqual(120);
    });

    test("keeps SSE keep-alives well inside the ALB idle timeout set by the environment patch", () => {
      const patches = parseCfnYaml(
        readFileSync(join(copilotDir, "environments", "overrides", "cfn.patches.yml"), "utf8"),
      ) as { value?: { Key?: string; Value?: string } }[];
      const idle = patches.find((p) => p.value?.Key === "idle_timeout.timeout_seconds")?.value?.Value;
      expect(Number(vars(manifest).SSE_KEEPALIVE_MS)).toBeLessThan((Number(idle) * 1000) / 2);
    });

    test("trusts exactly the ALB's X-Forwarded-For entry, so failed logins are limited per caller", () => {
      expect(vars(manifest).TRUSTED_PROXY_HOPS).toBe("1");
    });

    test("runs the image's own probe as the container health check", () => {
      const entrypoint = finalStage?.instructions.find((i) => i.keyword === "ENTRYPOINT")?.exec?.[0];
      expect(at(manifest, "image", "healthcheck", "command")).toEqual(["CMD", entrypoint, "healthcheck"]);
    });

    test("builds this service from the shared Dockerfile", () => {
      expect(at(manifest, "image", "build")).toEqual({
        dockerfile: "Dockerfile",
        context: ".",
        args: { SERVICE: service },
      });
    });

    test("scales within the environment's task range, in private subnets, on Service Connect", () => {
      const [min, max] = String(at(manifest, "count", "range"))
        .split("-")
        .map(Number);
      expect([min, max]).toEqual(env === "production" ? [2, 10] : [1, 2]);
      expect(at(manifest, "network", "vpc", "placement")).toBe("private");
      expect(at(manifest, "network", "connect")).toBe(true);
    });
  });
});

test("every deployed task authenticates callers, with keys and the internal token from SSM, never inline", () => {
  for (const env of environments) {
    const manifests = services.map((service) => resolved(service, env));
    for (const manifest of manifests) {
      expect(["api-key", "oauth"]).toContain(vars(manifest).AUTH_MODE as string);
      if (vars(manifest).AUTH_MODE === "api-key")
        expect(vars(manifest).API_KEYS_SSM_PARAMETER).toMatch(/^\//);
      for (const inline of ["API_KEYS", "INTERNAL_TOKEN"]) expect(vars(manifest)[inline]).toBeUndefined();
    }
    const tokens = new Set(manifests.map((manifest) => vars(manifest).INTERNAL_TOKEN_SSM_PARAMETER));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(new RegExp(`^/copilot/[^/]+/${env}/`));
  }
});

test("http paths are unique across services", () => {
  const paths = services.map((service) => at(readYaml(serviceManifestPath(service)), "http", "path"));
  expect(new Set(paths).size).toBe(services.length);
});

test("order-service reaches product-service at its Service Connect name and port", () => {
  for (const env of environments) {
    const product = resolved("product-service", env);
    const url = new URL(vars(resolved("order-service", env)).PRODUCT_SERVICE_URL ?? "");
    const connect = at(product, "network", "connect");
    const alias = typeof connect === "object" && connect ? (connect as { alias?: string }).alias : undefined;
    expect(url.hostname).toBe(alias ?? "product-service");
    expect(Number(url.port)).toBe(Number(at(product, "image", "port")));
  }
});
