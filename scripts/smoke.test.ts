import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startUpstream, type UpstreamBehaviour } from "../test/support/mcp-upstream.ts";
import { unusedPort } from "../test/support/service-process.ts";
import { SmokeError, smokeTest } from "./smoke.ts";

const servers: Array<{ stop(force?: boolean): unknown }> = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});
const upstream = (behaviour?: UpstreamBehaviour): string => {
  const server = startUpstream(behaviour);
  servers.push(server);
  return `http://127.0.0.1:${server.port}/product`;
};

describe("smokeTest against a real MCP server", () => {
  test("health, initialize and tools/list succeed", async () => {
    const base = upstream();
    const report = await smokeTest({ baseUrl: `${base}/`, timeoutMs: 5000, expectTools: ["get_product"] });
    expect(report).toEqual({
      healthUrl: `${base}/health`,
      mcpUrl: `${base}/mcp`,
      server: { name: "product-service", version: "1.4.0" },
      tools: ["search_products", "get_product"],
    });
  });

  test("an unhealthy service fails on /health", async () => {
    const base = upstream({ healthStatus: 503 });
    await expect(smokeTest({ baseUrl: base, timeoutMs: 5000 })).rejects.toThrow(
      `GET ${base}/health answered 503; the service is not healthy`,
    );
  });

  test("the API key is sent as a bearer token; without it the failure says so", async () => {
    const base = upstream({ apiKey: "k-123" });
    await expect(smokeTest({ baseUrl: base, timeoutMs: 5000 })).rejects.toThrow(/pass --api-key-env/);
    const report = await smokeTest({ baseUrl: base, apiKey: "k-123", timeoutMs: 5000 });
    expect(report.tools).toContain("search_products");
  });

  test("missing expected tools fail with the list that exists", async () => {
    const base = upstream();
    await expect(
      smokeTest({ baseUrl: base, timeoutMs: 5000, expectTools: ["create_order"] }),
    ).rejects.toThrow("lacks create_order; it has search_products, get_product");
  });

  test("nothing listening: fails fast with a clear message", async () => {
    const port = await unusedPort();
    const started = Date.now();
    const error = await smokeTest({ baseUrl: `http://127.0.0.1:${port}/product`, timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SmokeError);
    expect((error as Error).message).toContain("Is the service deployed and the URL right?");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("a hung MCP endpoint is bounded by the timeout", async () => {
    const base = upstream({ hangMcp: true });
    const started = Date.now();
    await expect(smokeTest({ baseUrl: base, timeoutMs: 400 })).rejects.toThrow(SmokeError);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe("CLI", () => {
  const script = join(import.meta.dir, "smoke.ts");
  const run = async (env: Record<string, string>, ...args: string[]) => {
    const child = Bun.spawn([process.execPath, script, ...args], {
      env: { ...process.env, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { code, out, err };
  };

  test("prints what it checked; reads the key from the named env var", async () => {
    const base = upstream({ apiKey: "secret-1" });
    const ok = await run(
      { SMOKE_KEY: "secret-1" },
      base,
      "--api-key-env",
      "SMOKE_KEY",
      "--timeout-ms",
      "5000",
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`smoke: ${base}/mcp ok (product-service 1.4.0)`);
    expect(ok.out).toContain("smoke: tools: search_products, get_product");
    const denied = await run({}, base, "--timeout-ms", "5000");
    expect(denied.code).toBe(1);
    expect(denied.err).toStartWith("smoke: MCP initialize");
    expect(denied.err).not.toContain("    at ");
  });

  test("bad arguments exit 2", async () => {
    expect((await run({}, "--api-key-env", "NOPE_UNSET_VAR", "http://127.0.0.1:1/x")).code).toBe(2);
    expect((await run({})).code).toBe(2);
    expect((await run({}, "http://127.0.0.1:1/x", "--timeout-ms", "soon")).code).toBe(2);
  });
});
