import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { makeFixture } from "../test/release/fixture.ts";
import { planDeploys, planRelease, ReleasePlanError } from "./release-plan.ts";

const fixture = makeFixture("release-plan-");
afterAll(() => fixture.cleanup());

const published = (...entries: Array<[string, string]>): string =>
  JSON.stringify(entries.map(([name, version]) => ({ name, version })));

describe("planRelease", () => {
  test("keeps services, in order, and skips the service-kit library", () => {
    const json = published(
      ["service-kit", "0.2.0"],
      ["order-service", "0.1.1"],
      ["product-service", "1.4.0"],
    );
    expect(planRelease(json, fixture.copilotDir)).toEqual(["order-service", "product-service"]);
    expect(planDeploys(json, fixture.copilotDir)).toEqual([
      { service: "order-service", version: "0.1.1" },
      { service: "product-service", version: "1.4.0" },
    ]);
  });

  test("nothing released, or only the library: nothing to deploy", () => {
    expect(planRelease("[]", fixture.copilotDir)).toEqual([]);
    expect(planRelease(published(["service-kit", "0.1.1"]), fixture.copilotDir)).toEqual([]);
  });

  test("a released name that is neither a service nor a workspace package is rejected", () => {
    expect(() => planRelease(published(["prodcut-service", "1.0.0"]), fixture.copilotDir)).toThrow(
      /"prodcut-service" was released but is neither a service/,
    );
  });

  test("a service is recognised by its manifest, not by its name", () => {
    // Same names, but a copilot dir without order-service's manifest: order-service is then unknown.
    const other = makeFixture("release-plan-missing-");
    try {
      rmSync(join(other.copilotDir, "order-service"), { recursive: true });
      // order-service is still a workspace package, so it is treated as a non-deployable package.
      expect(planRelease(published(["order-service", "0.1.1"]), other.copilotDir)).toEqual([]);
      expect(planRelease(published(["product-service", "0.1.1"]), other.copilotDir)).toEqual([
        "product-service",
      ]);
    } finally {
      other.cleanup();
    }
  });

  test("bad JSON and bad shapes give clear errors", () => {
    expect(() => planRelease("not json", fixture.copilotDir)).toThrow(/not valid JSON/);
    expect(() => planRelease('{"name":"x"}', fixture.copilotDir)).toThrow(/must be a JSON array/);
    expect(() => planRelease('[{"name":"product-service"}]', fixture.copilotDir)).toThrow(
      /must have string "name" and "version"/,
    );
    expect(() => planRelease(published(["product-service", "latest"]), fixture.copilotDir)).toThrow(
      /not a semantic version/,
    );
    expect(() => planRelease(published(["../etc", "1.0.0"]), fixture.copilotDir)).toThrow(
      /not a valid package name/,
    );
    expect(() => planRelease("[]]", fixture.copilotDir)).toThrow(ReleasePlanError);
  });

  test("duplicates: identical entries collapse, conflicting versions are an error", () => {
    const same = published(["product-service", "1.4.0"], ["product-service", "1.4.0"]);
    expect(planRelease(same, fixture.copilotDir)).toEqual(["product-service"]);
    const conflict = published(["product-service", "1.4.0"], ["product-service", "1.5.0"]);
    expect(() => planRelease(conflict, fixture.copilotDir)).toThrow(/appears twice/);
  });
});

describe("CLI", () => {
  const script = join(import.meta.dir, "release-plan.ts");
  const run = (...args: string[]) => {
    const result = Bun.spawnSync([process.execPath, script, "--copilot-dir", fixture.copilotDir, ...args]);
    return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() };
  };

  test("one service per line, or the matrix JSON", () => {
    const json = published(
      ["service-kit", "0.2.0"],
      ["product-service", "1.4.0"],
      ["order-service", "0.3.0"],
    );
    expect(run(json)).toEqual({ code: 0, out: "product-service\norder-service\n", err: "" });
    const matrix = run("--json", json);
    expect(matrix.code).toBe(0);
    expect(JSON.parse(matrix.out)).toEqual([
      { service: "product-service", version: "1.4.0" },
      { service: "order-service", version: "0.3.0" },
    ]);
    expect(run("--json", "[]").out).toBe("[]\n");
  });

  test("exit 2 with one clear line on bad input, no stack trace", () => {
    const bad = run("{oops");
    expect(bad.code).toBe(2);
    expect(bad.err).toStartWith("release-plan: published-packages is not valid JSON");
    expect(bad.err).not.toContain("    at ");
    expect(run().code).toBe(2);
    expect(run("--bogus", "[]").code).toBe(2);
  });
});
