import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkChangeset, packagesInChangeset } from "./check-changeset.ts";

const productPatch = {
  name: "brave-lions.md",
  content: '---\n"product-service": patch\n---\n\nFix stock.\n',
};
const empty = { name: "quiet-owls.md", content: "---\n---\n" };

describe("packagesInChangeset", () => {
  test("reads quoted and unquoted names, empty front matter, and rejects garbage", () => {
    expect(packagesInChangeset('---\n"product-service": minor\norder-service: patch\n---\n\nText')).toEqual([
      "product-service",
      "order-service",
    ]);
    expect(packagesInChangeset("---\n---\n")).toEqual([]);
    expect(packagesInChangeset("no front matter")).toBeUndefined();
    expect(packagesInChangeset('---\n"product-service": huge\n---\n')).toBeUndefined();
  });
});

describe("checkChangeset", () => {
  test("a service change without a changeset fails and says how to add one", () => {
    const result = checkChangeset({ changedFiles: ["product-service/src/mcp.ts"], changesetDir: [] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain("changes product-service but no changeset in it names it");
    expect(result.message).toContain("bunx --bun changeset");
    expect(result.message).toContain("--empty");
  });

  test("a changeset added by the pull request that names the package passes", () => {
    const result = checkChangeset({
      changedFiles: ["product-service/src/mcp.ts", ".changeset/brave-lions.md"],
      changesetDir: [productPatch],
    });
    expect(result).toEqual({ ok: true, summary: "Changesets cover: product-service." });
  });

  test("a pending changeset the pull request did not add does not count", () => {
    const result = checkChangeset({
      changedFiles: ["product-service/src/mcp.ts"],
      changesetDir: [productPatch],
    });
    expect(result.ok).toBe(false);
  });

  test("every changed package must be named", () => {
    const result = checkChangeset({
      changedFiles: ["product-service/src/a.ts", "service-kit/src/db.ts", ".changeset/brave-lions.md"],
      changesetDir: [productPatch],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("changes service-kit but");
  });

  test("a change to the reservation contract needs a changeset naming it; its tests do not", () => {
    const result = checkChangeset({
      changedFiles: ["reservation-contract/src/wire.ts", ".changeset/brave-lions.md"],
      changesetDir: [productPatch],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("changes reservation-contract but");
    const testsOnly = [
      "reservation-contract/test/internal-api.test.ts",
      "reservation-contract/src/items.test.ts",
    ];
    expect(checkChangeset({ changedFiles: testsOnly, changesetDir: [] }).ok).toBe(true);
  });

  test("an empty changeset is the explicit no-release answer", () => {
    const result = checkChangeset({
      changedFiles: ["order-service/src/x.ts", ".changeset/quiet-owls.md"],
      changesetDir: [empty],
    });
    expect(result.ok).toBe(true);
  });

  test("tests, docs and non-package files need no changeset", () => {
    for (const changedFiles of [
      ["product-service/src/catalog/catalog.test.ts", "order-service/README.md"],
      ["docs/releasing.md", ".github/workflows/ci.yml", "scripts/deploy.ts"],
      ["service-kit/test/helpers.ts"],
    ]) {
      expect(checkChangeset({ changedFiles, changesetDir: [] }).ok).toBe(true);
    }
  });

  test("the Version Packages branch is exempt", () => {
    const result = checkChangeset({
      changedFiles: ["product-service/package.json", "product-service/CHANGELOG.md"],
      changesetDir: [],
      branch: "changeset-release/main",
    });
    expect(result.ok).toBe(true);
  });

  test("unknown package names and unreadable changesets fail", () => {
    const typo = { name: "x.md", content: '---\n"prodcut-service": patch\n---\n' };
    const unknown = checkChangeset({
      changedFiles: ["product-service/a.ts", ".changeset/x.md"],
      changesetDir: [typo],
    });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.message).toContain("unknown packages: prodcut-service");
    const broken = { name: "y.md", content: "hello" };
    const bad = checkChangeset({
      changedFiles: ["product-service/a.ts", ".changeset/y.md"],
      changesetDir: [broken],
    });
    expect(bad.ok).toBe(false);
  });
});

describe("CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "check-changeset-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const changesetDir = join(dir, ".changeset");
  mkdirSync(changesetDir);
  writeFileSync(join(changesetDir, productPatch.name), productPatch.content);
  writeFileSync(join(changesetDir, "README.md"), "# Changesets\n");
  const run = (stdin: string, ...args: string[]) => {
    const result = Bun.spawnSync(
      [
        process.execPath,
        join(import.meta.dir, "check-changeset.ts"),
        "--changeset-dir",
        changesetDir,
        ...args,
      ],
      { stdin: Buffer.from(stdin) },
    );
    return { code: result.exitCode, out: result.stdout.toString(), err: result.stderr.toString() };
  };

  test("reads the changed files from stdin", () => {
    expect(run("product-service/src/a.ts\n.changeset/brave-lions.md\n")).toEqual({
      code: 0,
      out: "check-changeset: Changesets cover: product-service.\n",
      err: "",
    });
    const missing = run("order-service/src/a.ts\n");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("bunx --bun changeset");
    expect(run("order-service/src/a.ts\n", "--branch", "changeset-release/main").code).toBe(0);
  });
});
