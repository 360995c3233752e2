/**
 * The workflows' own shell, run as written on a fresh clone (test/release/workflow-steps.ts): the
 * release plan, the deploy checks, the service URL, the smoke step against a real MCP server on
 * loopback, and the job summary, with exact GITHUB_OUTPUT and GITHUB_STEP_SUMMARY contents. Only
 * `copilot` is faked. One clone and one `bun install` (the workflows' own install step) serve all.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are GitHub ${{ }} expressions and shell, not JS.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startUpstream } from "../support/mcp-upstream.ts";
import { fakeCopilot } from "./fixture.ts";
import { freshClone, parseOutputFile, runnerPath, runStep, workflowStep } from "./workflow-steps.ts";

let clone: ReturnType<typeof freshClone>;
let path: string;
const servers: Array<ReturnType<typeof startUpstream>> = [];

beforeAll(() => {
  clone = freshClone();
  path = runnerPath();
});
// Removing the clone (node_modules and .tools/, some 400 MB) can take seconds on a busy disk.
afterAll(() => {
  for (const server of servers) server.stop(true);
  clone?.cleanup();
}, 120_000);

// Each step starts Bun at least once; the first `bun run` on a fresh clone also installs Bun with npm.
setDefaultTimeout(60_000);

const deployInputs = (service: string, env: string, version = "1.4.0") => ({
  "inputs.service": service,
  "inputs.environment": env,
  "inputs.version": version,
});

describe("on a fresh clone", () => {
  test("the clone has no .tools/ and no node_modules/; the install step (the same in every workflow) installs", async () => {
    expect(existsSync(join(clone.dir, ".tools"))).toBe(false);
    expect(existsSync(join(clone.dir, "node_modules"))).toBe(false);
    const installs = [
      ["ci.yml", "check"],
      ["release.yml", "release"],
      ["deploy-service.yml", "deploy"],
    ].map(([file, job]) => workflowStep(file ?? "", job ?? "", "Install (frozen lockfile)").run);
    expect(new Set(installs).size).toBe(1);
    const result = await runStep(workflowStep("release.yml", "release", "Install (frozen lockfile)"), {
      cwd: clone.dir,
      path,
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputFile).toBe("");
    expect(existsSync(join(clone.dir, "node_modules", "yaml", "package.json"))).toBe(true);
  }, 120_000);

  describe("release.yml: Plan the deploys", () => {
    const plan = (published: unknown) =>
      runStep(workflowStep("release.yml", "release", "Plan the deploys"), {
        cwd: clone.dir,
        path,
        expressions: { "steps.changesets.outputs.published-packages": JSON.stringify(published) },
      });

    test("one released service: one deploy in GITHUB_OUTPUT, and the summary", async () => {
      const published = [{ name: "product-service", version: "1.4.0" }];
      const result = await plan(published);
      expect(result.exitCode).toBe(0);
      expect(result.outputFile).toBe('deploys=[{"service":"product-service","version":"1.4.0"}]\n');
      expect(parseOutputFile(result.outputFile)).toEqual({
        deploys: '[{"service":"product-service","version":"1.4.0"}]',
      });
      expect(result.summary).toBe(
        [
          "### Released",
          "```json",
          JSON.stringify(published),
          "```",
          'Deploying: `[{"service":"product-service","version":"1.4.0"}]`',
          "",
        ].join("\n"),
      );
    });

    test("service-kit with both services: both deploy, the library does not", async () => {
      const result = await plan([
        { name: "service-kit", version: "0.2.0" },
        { name: "product-service", version: "1.4.1" },
        { name: "order-service", version: "2.0.1" },
      ]);
      expect(result.exitCode).toBe(0);
      expect(result.outputFile).toBe(
        'deploys=[{"service":"product-service","version":"1.4.1"},{"service":"order-service","version":"2.0.1"}]\n',
      );
    });

    test("only the library: an empty plan, which the deploy jobs skip", async () => {
      const result = await plan([{ name: "service-kit", version: "0.2.0" }]);
      expect(result.exitCode).toBe(0);
      expect(result.outputFile).toBe("deploys=[]\n");
    });

    test("an unknown package fails the step before anything reaches GITHUB_OUTPUT", async () => {
      const result = await plan([{ name: "prodcut-service", version: "1.4.0" }]);
      expect(result.exitCode).toBe(2);
      expect(result.outputFile).toBe("");
      expect(result.stderr).toContain(
        'release-plan: "prodcut-service" was released but is neither a service',
      );
    });
  });

  describe("deploy-service.yml", () => {
    test("Check the service, environment and version: the dry run names the exact command", async () => {
      const result = await runStep(
        workflowStep("deploy-service.yml", "deploy", "Check the service, environment and version"),
        { cwd: clone.dir, path, expressions: deployInputs("product-service", "staging") },
      );
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(
        "[dry-run] copilot svc deploy --name product-service --env staging --tag 1.4.0 --app retail-mcp\n",
      );
    });

    test.each([
      ["product-service", "staging", "https://mcp.staging.example.com/product"],
      ["order-service", "staging", "https://mcp.staging.example.com/order"],
      ["product-service", "production", "https://mcp.example.com/product"],
      ["order-service", "production", "https://mcp.example.com/order"],
    ])("Service URLs: %s in %s is %s (the manifest's http.alias)", async (service, env, url) => {
      const result = await runStep(workflowStep("deploy-service.yml", "deploy", "Service URLs"), {
        cwd: clone.dir,
        path,
        expressions: deployInputs(service, env),
      });
      expect(result.exitCode).toBe(0);
      expect(result.outputFile).toBe(`base=${url}\n`);
    });

    test("Service URLs: an unknown environment fails with the reason and writes no output", async () => {
      const result = await runStep(workflowStep("deploy-service.yml", "deploy", "Service URLs"), {
        cwd: clone.dir,
        path,
        expressions: deployInputs("product-service", "qa"),
      });
      expect(result.exitCode).toBe(2);
      expect(result.outputFile).toBe("");
      expect(result.stderr).toContain('Unknown environment "qa"');
    });

    test("copilot svc deploy: runs copilot with the release tag", async () => {
      const fake = fakeCopilot(clone.dir);
      const result = await runStep(workflowStep("deploy-service.yml", "deploy", "copilot svc deploy"), {
        cwd: clone.dir,
        path: `${fake.binDir}:${path}`,
        expressions: deployInputs("order-service", "production", "2.0.1"),
      });
      expect(result.exitCode).toBe(0);
      expect(readFileSync(fake.log, "utf8")).toBe(
        "svc deploy --name order-service --env production --tag 2.0.1 --app retail-mcp\n",
      );
    });

    const smoke = (baseUrl: string, key: string) =>
      runStep(
        workflowStep("deploy-service.yml", "deploy", "Smoke test (health, MCP initialize, tools/list)"),
        {
          cwd: clone.dir,
          path,
          expressions: {
            ...deployInputs("product-service", "staging"),
            "steps.urls.outputs.base": baseUrl,
            "secrets.SMOKE_API_KEY": key,
          },
        },
      );

    test("Smoke test: with SMOKE_API_KEY set, the key is sent and the checks pass", async () => {
      const server = startUpstream({ apiKey: "rmcp_smoke" });
      servers.push(server);
      const base = `http://127.0.0.1:${server.port}/product`;
      const result = await smoke(base, "rmcp_smoke");
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(
        [
          `smoke: ${base}/health ok`,
          `smoke: ${base}/mcp ok (product-service 1.4.0)`,
          "smoke: tools: search_products, get_product",
          "",
        ].join("\n"),
      );
      const unauthorized = await smoke(base, "");
      expect(unauthorized.exitCode).toBe(1);
      expect(unauthorized.stderr).toContain("--api-key-env");
    }, 30_000);

    test("Summary: the endpoints and a Claude Desktop config for the same URL", async () => {
      const base = "https://mcp.staging.example.com/product";
      const result = await runStep(workflowStep("deploy-service.yml", "deploy", "Summary"), {
        cwd: clone.dir,
        path,
        expressions: { ...deployInputs("product-service", "staging"), "steps.urls.outputs.base": base },
      });
      expect(result.exitCode).toBe(0);
      const config = {
        mcpServers: {
          "retail-product": {
            command: "npx",
            args: ["-y", "mcp-remote@0.15.1", `${base}/mcp`, "--header", "Authorization:${RETAIL_MCP_KEY}"],
            env: { RETAIL_MCP_KEY: "Bearer <paste your key>" },
          },
        },
      };
      expect(result.summary).toBe(
        [
          "### product-service@1.4.0 on staging",
          `- MCP endpoint: ${base}/mcp`,
          `- Health: ${base}/health`,
          "",
          "Claude Desktop (`claude_desktop_config.json`):",
          "```json",
          JSON.stringify(config, null, 2),
          "```",
          "",
        ].join("\n"),
      );
    });
  });

  test("`bun run <script>` prints only the script's output: scripts/bun.mjs installs Bun and the packages on stderr", async () => {
    // The command the plan step used before it called the script directly: on a fresh runner it
    // installed Bun into .tools/ (npm) and the workspace (bun install) first, onto stdout.
    const published = JSON.stringify([{ name: "order-service", version: "2.0.1" }]);
    const child = Bun.spawn(["bun", "run", "release:plan", "--json", published], {
      cwd: clone.dir,
      env: { HOME: process.env.HOME ?? "", PATH: path, npm_config_prefer_offline: "true" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect(stderr).toContain("Installing Bun");
    expect(existsSync(join(clone.dir, ".tools"))).toBe(true);
    expect(code).toBe(0);
    expect(stdout).toBe('[{"service":"order-service","version":"2.0.1"}]\n');
  }, 180_000);
});
