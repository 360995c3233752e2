import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fakeCopilot, makeFixture } from "../test/release/fixture.ts";
import { copilotDeployArgs, DeployInputError, runDeploy, validateDeployRequest } from "./deploy.ts";

const fixture = makeFixture("deploy-");
afterAll(() => fixture.cleanup());
const script = join(import.meta.dir, "deploy.ts");

describe("copilotDeployArgs", () => {
  test("svc deploy with name, env, image tag and app", () => {
    expect(copilotDeployArgs({ service: "product-service", env: "staging", version: "1.4.0" })).toEqual([
      "svc",
      "deploy",
      "--name",
      "product-service",
      "--env",
      "staging",
      "--tag",
      "1.4.0",
      "--app",
      "retail-mcp",
    ]);
    expect(
      copilotDeployArgs({ service: "order-service", env: "production", version: "2.0.1", app: "other" }),
    ).toContain("other");
  });
});

describe("validateDeployRequest", () => {
  const ok = { service: "product-service", env: "staging", version: "1.4.0" };

  test("accepts an existing service, environment and a release version", () => {
    expect(() => validateDeployRequest(ok, fixture.copilotDir)).not.toThrow();
    expect(() => validateDeployRequest({ ...ok, version: "1.4.0-rc.1" }, fixture.copilotDir)).not.toThrow();
  });

  test("rejects unknown services and environments, naming the ones that exist", () => {
    expect(() => validateDeployRequest({ ...ok, service: "cart-service" }, fixture.copilotDir)).toThrow(
      /Unknown service "cart-service".*Services: (order-service, product-service|product-service, order-service)/,
    );
    expect(() => validateDeployRequest({ ...ok, env: "prod" }, fixture.copilotDir)).toThrow(
      /Unknown environment "prod".*Environments: production, staging/,
    );
    expect(() => validateDeployRequest({ ...ok, env: "../staging" }, fixture.copilotDir)).toThrow(
      DeployInputError,
    );
    expect(() => validateDeployRequest({ ...ok, service: "../copilot" }, fixture.copilotDir)).toThrow(
      /not valid/,
    );
  });

  test("rejects versions that are not plain release versions", () => {
    for (const version of ["v1.4.0", "latest", "1.4", "product-service@1.4.0", ""]) {
      expect(() => validateDeployRequest({ ...ok, version }, fixture.copilotDir)).toThrow(
        /not a release version/,
      );
    }
  });
});

describe("runDeploy with a fake copilot on PATH", () => {
  test("runs exactly `copilot svc deploy …` and returns its exit code", async () => {
    const fake = fakeCopilot(join(fixture.dir, "ok"));
    const lines: string[] = [];
    const code = await runDeploy(
      { service: "order-service", env: "production", version: "0.3.0" },
      { copilotDir: fixture.copilotDir, env: { PATH: fake.binDir }, log: (l) => lines.push(l) },
    );
    expect(code).toBe(0);
    expect(readFileSync(fake.log, "utf8")).toBe(
      "svc deploy --name order-service --env production --tag 0.3.0 --app retail-mcp\n",
    );
    expect(lines[0]).toBe(
      "$ copilot svc deploy --name order-service --env production --tag 0.3.0 --app retail-mcp",
    );
  });

  test("propagates copilot's failure code", async () => {
    const fake = fakeCopilot(join(fixture.dir, "fails"), 3);
    const code = await runDeploy(
      { service: "product-service", env: "staging", version: "1.0.0" },
      { copilotDir: fixture.copilotDir, env: { PATH: fake.binDir }, log: () => {} },
    );
    expect(code).toBe(3);
    expect(readFileSync(fake.log, "utf8")).toContain("--name product-service");
  });

  test("127 and a hint when copilot is not installed", async () => {
    const code = await runDeploy(
      { service: "product-service", env: "staging", version: "1.0.0" },
      { copilotDir: fixture.copilotDir, env: { PATH: join(fixture.dir, "empty") }, log: () => {} },
    );
    expect(code).toBe(127);
  });
});

describe("CLI", () => {
  const run = (env: Record<string, string>, ...args: string[]) => {
    const result = Bun.spawnSync([process.execPath, script, "--copilot-dir", fixture.copilotDir, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() };
  };
  const args = ["--service", "product-service", "--env", "staging", "--version", "1.4.0"];

  test("--dry-run prints the command and runs nothing", () => {
    const fake = fakeCopilot(join(fixture.dir, "dry"));
    const result = run({ PATH: `${fake.binDir}:${process.env.PATH}` }, ...args, "--dry-run");
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      "[dry-run] copilot svc deploy --name product-service --env staging --tag 1.4.0 --app retail-mcp\n",
    );
    expect(existsSync(fake.log)).toBe(false);
  });

  test("runs the fake copilot and exits with its code", () => {
    const fake = fakeCopilot(join(fixture.dir, "cli-fail"), 5);
    const result = run({ PATH: `${fake.binDir}:${process.env.PATH}` }, ...args);
    expect(result.code).toBe(5);
    expect(result.out).toContain("fake copilot: svc deploy --name product-service --env staging --tag 1.4.0");
    expect(result.err).toContain("copilot exited with code 5");
  });

  test("bad input: exit 2, one clear line, copilot never called", () => {
    const fake = fakeCopilot(join(fixture.dir, "cli-bad"));
    const result = run(
      { PATH: `${fake.binDir}:${process.env.PATH}` },
      ...args.slice(0, 4),
      "--version",
      "nope",
    );
    expect(result.code).toBe(2);
    expect(result.err).toStartWith('deploy: Version "nope" is not a release version.');
    expect(result.err).not.toContain("    at ");
    expect(existsSync(fake.log)).toBe(false);
    expect(run({}, "--service", "product-service").code).toBe(2);
  });
});
