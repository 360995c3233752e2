import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDockerfile, parseImageRef, parseInstructions } from "./dockerfile.ts";
import { dockerfileProblems } from "./dockerfile-audit.ts";
import { isExcluded, readDockerignore } from "./dockerignore.ts";

const root = join(import.meta.dir, "..", "..");
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const dockerignore = readDockerignore(readFileSync(join(root, ".dockerignore"), "utf8"));

describe("Dockerfile parser", () => {
  test("joins continuations, skips comment lines inside them and decodes exec form", () => {
    const parsed = parseInstructions(
      [
        "FROM a:1 AS b",
        "RUN one \\",
        "# a comment inside the continuation",
        "    two \\",
        "  three",
        'CMD ["x", "y"]',
        "CMD x y",
      ].join("\n"),
    );
    expect(parsed.map((i) => [i.keyword, i.args, i.line])).toEqual([
      ["FROM", "a:1 AS b", 1],
      ["RUN", "one two three", 2],
      ["CMD", '["x", "y"]', 6],
      ["CMD", "x y", 7],
    ]);
    expect(parsed[2]?.exec).toEqual(["x", "y"]);
    expect(parsed[3]?.exec).toBeUndefined();
  });

  test("rejects a file that ends inside a continuation", () => {
    expect(() => parseInstructions("FROM a:1\nRUN x \\")).toThrow(/continuation/);
  });

  test("reads image references with registry ports, tags and digests", () => {
    expect(parseImageRef("host:5000/repo")).toEqual({ repository: "host:5000/repo" });
    expect(parseImageRef("oven/bun:1.4.5")).toEqual({ repository: "oven/bun", tag: "1.4.5" });
    expect(parseImageRef(`gcr.io/d/x:nonroot@sha256:${"a".repeat(64)}`)).toEqual({
      repository: "gcr.io/d/x",
      tag: "nonroot",
      digest: `sha256:${"a".repeat(64)}`,
    });
  });
});

describe("the project Dockerfile", () => {
  test("follows every image rule", () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  test("has a build stage and a final stage, and the final one copies only the binary", () => {
    const { stages } = parseDockerfile(dockerfile);
    expect(stages).toHaveLength(2);
    const copies = stages[1]?.instructions.filter((i) => i.keyword === "COPY") ?? [];
    expect(copies.map((copy) => copy.args.split(/\s+/).at(-1))).toEqual(["/app/.data", "/app/service"]);
  });

  test("the files the build stage copies are in the context, generated ones are not", () => {
    const { stages } = parseDockerfile(dockerfile);
    const sources = (stages[0]?.instructions ?? [])
      .filter((i) => i.keyword === "COPY" && !i.args.includes("--from="))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ${} syntax, not a JS template
      .map((source) => source.replace("${SERVICE}", "product-service").replace(/\/$/, ""));
    expect(sources).toContain("bun.lock");
    for (const source of sources)
      expect({ source, excluded: isExcluded(dockerignore, source) }).toEqual({ source, excluded: false });
    for (const needed of [
      "product-service/src/main.ts",
      "order-service/src/main.ts",
      "service-kit/src/config.ts",
      "reservation-contract/src/index.ts",
    ]) {
      expect({ needed, excluded: isExcluded(dockerignore, needed) }).toEqual({ needed, excluded: false });
    }
  });

  test("every workspace's package.json is copied before the install, and the shared packages' sources", () => {
    const { stages } = parseDockerfile(dockerfile);
    const instructions = stages[0]?.instructions ?? [];
    const install = instructions.findIndex((i) => i.keyword === "RUN" && i.args.includes("bun install"));
    const copied = (from: number, to: number): string[] =>
      instructions
        .slice(from, to)
        .filter((i) => i.keyword === "COPY")
        .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] };
    expect(install).toBeGreaterThan(0);
    for (const workspace of manifest.workspaces) {
      expect({ workspace, copied: copied(0, install).includes(`${workspace}/package.json`) }).toEqual({
        workspace,
        copied: true,
      });
    }
    // The services are copied as ${SERVICE}/; every other workspace is a library both of them bundle.
    const libraries = manifest.workspaces.filter((name) => !name.endsWith("-service"));
    for (const library of libraries) {
      expect({ library, copied: copied(install, instructions.length).includes(`${library}/`) }).toEqual({
        library,
        copied: true,
      });
    }
  });

  test(".dockerignore keeps node_modules, .data, dist, .git and package tests out of the context", () => {
    for (const path of [
      "node_modules/zod/package.json",
      "product-service/node_modules/zod/index.js",
      ".data/product.sqlite",
      "order-service/.data/orders.sqlite",
      "dist/product-service",
      "dist/order-service-linux-arm64",
      ".git/HEAD",
      "reservation-contract/test/internal-api.test.ts",
    ]) {
      expect({ path, excluded: isExcluded(dockerignore, path) }).toEqual({ path, excluded: true });
    }
  });
});

describe("the image rules reject broken Dockerfiles", () => {
  const broken = (from: string, to: string): string[] => {
    expect(dockerfile).toContain(from);
    return dockerfileProblems(dockerfile.replace(from, to));
  };

  test("an unpinned or latest base image", () => {
    const build = /^FROM .*oven\/bun:\S+/m.exec(dockerfile)?.[0] ?? "";
    expect(broken(build, build.replace(/oven\/bun:\S+/, "oven/bun:latest")).join()).toMatch(/latest/);
    expect(broken(build, build.replace(/oven\/bun:\S+/, "oven/bun")).join()).toMatch(/pinned neither/);
    const final = /FROM (gcr\.io\/distroless\/\S+)/.exec(dockerfile)?.[1] ?? "";
    expect(broken(final, "gcr.io/distroless/base-nossl-debian12:nonroot").join()).toMatch(/pinned neither/);
  });

  test("a root or missing user", () => {
    expect(broken("USER 65532:65532", "USER root").join()).toMatch(/is root/);
    expect(broken("USER 65532:65532", "").join()).toMatch(/no USER/);
  });

  test("a shell-form or wrong health check", () => {
    expect(broken('CMD ["/app/service", "healthcheck"]', "CMD /app/service healthcheck").join()).toMatch(
      /not in exec form/,
    );
    expect(broken('CMD ["/app/service", "healthcheck"]', 'CMD ["/app/service", "version"]').join()).toMatch(
      /must run/,
    );
  });

  test("a shell in the final stage, a non-distroless base, the wrong port", () => {
    expect(broken("USER 65532:65532", "RUN apt-get install -y curl\nUSER 65532:65532").join()).toMatch(
      /RUN in the final/,
    );
    const final = /FROM (gcr\.io\/distroless\/\S+)/.exec(dockerfile)?.[1] ?? "";
    expect(broken(final, "debian:12.8").join()).toMatch(/not a distroless/);
    expect(broken("EXPOSE 8080", "EXPOSE 3000").join()).toMatch(/EXPOSE 8080/);
  });

  test("a compile with other flags than bun run build's", () => {
    expect(broken(" --splitting", "").join()).toMatch(/without --splitting/);
    expect(broken("--compile-jit-policy=16", "--compile-jit-policy=4").join()).toMatch(
      /without --compile-jit-policy=16/,
    );
  });

  test("an install without the frozen lockfile and an unused SERVICE", () => {
    expect(broken("bun install --frozen-lockfile", "bun install").join()).toMatch(/--frozen-lockfile/);
    const noService = dockerfile
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ${} syntax, not a JS template
      .replaceAll("${SERVICE}", "product-service")
      .replaceAll("$SERVICE", "product-service");
    expect(dockerfileProblems(noService).join()).toMatch(/never used/);
  });
});
