import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "../support/service-process.ts";
import { crossPackageImports, deepImports, entryPoints } from "./package-imports.ts";

const root = join(import.meta.dir, "..", "..");

describe("package boundaries", () => {
  test("no package's src/ imports another package's src/ or the tests", () => {
    const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      workspaces: string[];
    };
    expect(workspaces).toContain("reservation-contract");
    expect(crossPackageImports(root, workspaces)).toEqual([]);
  });

  test("the check finds relative escapes, service imports and paths into a package's files", () => {
    const fake = tempDir("retail-imports-");
    const files: Record<string, string> = {
      "shop/src/ok.ts": 'import { a } from "./a.ts";\nimport { z } from "zod";\nimport { b } from "kit";',
      "shop/src/sub/ok.test.ts": 'import { h } from "../../../test/support/h.ts";',
      "shop/src/bad.ts": [
        'import { c } from "../../catalogue/src/c.ts";',
        'const t = await import("../../test/support/h.ts");',
        'export { d } from "catalogue/src/d.ts";',
        'import "kit/src/side-effect.ts";',
      ].join("\n"),
      "catalogue/src/escape.ts": 'import { shop } from "../../shop/README.md";',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fake, path)), { recursive: true });
      writeFileSync(join(fake, path), text);
    }
    const found = crossPackageImports(fake, ["kit", "shop", "catalogue"], ["kit"]).map((at) => [
      at.file,
      at.specifier,
    ]);
    expect(found).toEqual([
      ["shop/src/bad.ts", "../../catalogue/src/c.ts"],
      ["shop/src/bad.ts", "../../test/support/h.ts"],
      ["shop/src/bad.ts", "catalogue/src/d.ts"],
      ["shop/src/bad.ts", "kit/src/side-effect.ts"],
      ["catalogue/src/escape.ts", "../../shop/README.md"],
    ]);
  });

  test("service-kit is imported only by its entry points, from packages, tests, scripts, bench and fixtures", () => {
    const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      workspaces: string[];
    };
    expect(entryPoints(root, "service-kit")).toEqual(["service-kit", "service-kit/testing"]);
    expect(deepImports(root, [...workspaces, "test", "scripts", "bench", "fixtures"])).toEqual([]);
  });

  test("the entry-point check finds name paths and relative paths past a shared package's exports", () => {
    const fake = tempDir("retail-entry-points-");
    const files: Record<string, string> = {
      "kit/package.json": JSON.stringify({
        exports: { ".": "./src/index.ts", "./testing": "./src/testing.ts" },
      }),
      "kit/src/inner.ts": 'import { a } from "./a.ts";\nimport { b } from "../src/b.ts";',
      "shop/src/ok.ts":
        'import { a } from "kit";\nimport { b } from "kit/testing";\nimport { z } from "zod";',
      "shop/src/bad.ts": 'import { t } from "kit/mcp/tools";\nconst d = await import("kit/src/db.ts");',
      "test/support/bad.ts": 'import { db } from "../../kit/src/db.ts";\nexport { x } from "kit/testing/x";',
      "scripts/ok.ts": 'import { wait } from "kit/testing";',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(fake, path)), { recursive: true });
      writeFileSync(join(fake, path), text);
    }
    const found = deepImports(fake, ["kit", "shop", "test", "scripts"], ["kit"]).map((at) => [
      at.file,
      at.specifier,
    ]);
    expect(found).toEqual([
      ["shop/src/bad.ts", "kit/mcp/tools"],
      ["shop/src/bad.ts", "kit/src/db.ts"],
      ["test/support/bad.ts", "../../kit/src/db.ts"],
      ["test/support/bad.ts", "kit/testing/x"],
    ]);
  });
});
