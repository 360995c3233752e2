/**
 * zod compiles a schema to a fast path only if `zod/compile` ran before the schema was built: the MCP
 * SDK builds its own at import, so each binary's entry imports it before anything else, and the tests
 * preload it so that they run the schemas the way the binaries do.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");

function firstImport(file: string): string | undefined {
  return /^import\s[^;]*;|^import\s+"[^"]+";/m.exec(readFileSync(join(root, file), "utf8"))?.[0];
}

describe("zod schemas are compiled", () => {
  for (const service of ["product-service", "order-service"]) {
    test(`${service}'s entry imports zod/compile before anything else`, () => {
      expect(firstImport(`${service}/src/main.ts`)).toBe('import "zod/compile";');
    });
  }

  test("bun test preloads zod/compile", () => {
    expect(readFileSync(join(root, "bunfig.toml"), "utf8")).toMatch(/^preload = \[[^\]]*"zod\/compile"/m);
  });

  test("a schema built in a test takes the compiled path, and a bad value gets zod's usual error", async () => {
    const { z } = await import("zod");
    const schema = z.object({ product_id: z.string().min(1) });
    const run = schema._zod.run as unknown as { __originalRun?: unknown };
    expect(typeof run.__originalRun).toBe("function");
    expect(schema.parse({ product_id: "p001", extra: 1 })).toEqual({ product_id: "p001" });
    const bad = schema.safeParse({ product_id: "" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe("Too small: expected string to have >=1 characters");
  });
});
