import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  API_KEY_PLACEHOLDER,
  ClaudeConfigError,
  claudeDesktopConfig,
  MCP_REMOTE_PACKAGE,
  parseClaudeConfigArgs,
} from "./claude-config.ts";

const root = join(import.meta.dir, "..");

describe("claudeDesktopConfig", () => {
  test("one mcp-remote entry per server, without auth", () => {
    const config = claudeDesktopConfig({
      servers: [
        { name: "retail-product", url: "https://mcp.example.com/product/mcp" },
        { name: "retail-order", url: "http://127.0.0.1:3002/order/mcp" },
      ],
    });
    expect(config).toEqual({
      mcpServers: {
        "retail-product": {
          command: "npx",
          args: ["-y", MCP_REMOTE_PACKAGE, "https://mcp.example.com/product/mcp"],
        },
        "retail-order": {
          command: "npx",
          args: ["-y", MCP_REMOTE_PACKAGE, "http://127.0.0.1:3002/order/mcp"],
        },
      },
    });
  });

  test("api key goes through an env var, in the space-free header form", () => {
    const config = claudeDesktopConfig({
      servers: [{ name: "product", url: "https://mcp.example.com/product/mcp" }],
      apiKeyEnvVar: "RETAIL_MCP_KEY",
    });
    expect(config.mcpServers.product).toEqual({
      command: "npx",
      args: [
        "-y",
        "mcp-remote@0.15.1",
        "https://mcp.example.com/product/mcp",
        "--header",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${VAR}, not JS.
        "Authorization:${RETAIL_MCP_KEY}",
      ],
      env: { RETAIL_MCP_KEY: API_KEY_PLACEHOLDER },
    });
    for (const arg of config.mcpServers.product?.args ?? []) expect(arg).not.toContain(" ");
  });

  test("plain http to a non-loopback host gets --allow-http, https and localhost do not", () => {
    const config = claudeDesktopConfig({
      servers: [
        { name: "vpc", url: "http://internal-alb.vpc/product/mcp" },
        { name: "ipv6", url: "http://[::1]:3001/product/mcp" },
        { name: "local", url: "http://localhost:3001/product/mcp" },
        { name: "tls", url: "https://mcp.example.com/product/mcp" },
      ],
    });
    expect(config.mcpServers.vpc?.args).toContain("--allow-http");
    // mcp-remote only exempts "localhost" and "127.0.0.1", so [::1] needs the flag too.
    expect(config.mcpServers.ipv6?.args).toContain("--allow-http");
    expect(config.mcpServers.local?.args).not.toContain("--allow-http");
    expect(config.mcpServers.tls?.args).not.toContain("--allow-http");
  });

  test("rejects bad input with a message that says what to do", () => {
    expect(() => claudeDesktopConfig({ servers: [] })).toThrow(/at least one server/);
    expect(() => claudeDesktopConfig({ servers: [{ name: "p", url: "not a url" }] })).toThrow(
      /invalid URL "not a url"/,
    );
    expect(() => claudeDesktopConfig({ servers: [{ name: "p", url: "ftp://x/mcp" }] })).toThrow(/https:\/\//);
    expect(() => claudeDesktopConfig({ servers: [{ name: "p", url: "https://u:pw@x/mcp" }] })).toThrow(
      /credentials/,
    );
    expect(() =>
      claudeDesktopConfig({
        servers: [
          { name: "p", url: "https://x/a" },
          { name: "p", url: "https://x/b" },
        ],
      }),
    ).toThrow(/given twice/);
    expect(() => claudeDesktopConfig({ servers: [{ name: "bad name", url: "https://x/a" }] })).toThrow(
      ClaudeConfigError,
    );
    expect(() =>
      claudeDesktopConfig({ servers: [{ name: "p", url: "https://x/a" }], apiKeyEnvVar: "MY-KEY" }),
    ).toThrow(/not a valid environment variable name/);
  });
});

describe("parseClaudeConfigArgs", () => {
  test("repeated --server and --api-key-env", () => {
    expect(
      parseClaudeConfigArgs([
        "--server",
        "product=http://127.0.0.1:3001/mcp?x=a=b",
        "--server",
        "order=http://127.0.0.1:3002/mcp",
        "--api-key-env",
        "RETAIL_MCP_KEY",
      ]),
    ).toEqual({
      servers: [
        { name: "product", url: "http://127.0.0.1:3001/mcp?x=a=b" },
        { name: "order", url: "http://127.0.0.1:3002/mcp" },
      ],
      apiKeyEnvVar: "RETAIL_MCP_KEY",
    });
    expect(parseClaudeConfigArgs(["--help"])).toBe("help");
  });

  test("bad arguments", () => {
    expect(() => parseClaudeConfigArgs(["--server", "product"])).toThrow(/NAME=URL/);
    expect(() => parseClaudeConfigArgs(["--bogus"])).toThrow(/Usage:/);
  });
});

describe("CLI", () => {
  test("prints the JSON, and exits 2 with one clear line on bad input", () => {
    const ok = Bun.spawnSync([
      process.execPath,
      join(root, "scripts/claude-config.ts"),
      "--server",
      "product=http://127.0.0.1:3001/product/mcp",
      "--api-key-env",
      "RETAIL_MCP_KEY",
    ]);
    expect(ok.exitCode).toBe(0);
    const printed = JSON.parse(ok.stdout.toString());
    expect(printed.mcpServers.product.env).toEqual({ RETAIL_MCP_KEY: API_KEY_PLACEHOLDER });

    const bad = Bun.spawnSync([
      process.execPath,
      join(root, "scripts/claude-config.ts"),
      "--server",
      "x=nope",
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.toString()).toContain('claude-config: Server "x" has an invalid URL "nope"');
    expect(bad.stderr.toString()).not.toContain("    at ");
  });
});

describe("the generated entry, run through the real mcp-remote", () => {
  test("sends the key from the env var as an Authorization: Bearer header", async () => {
    const posts: Array<{ auth: string | null; method: string }> = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request): Promise<Response> {
        if (request.method !== "POST") return new Response(null, { status: 405 });
        const message = (await request.json()) as { id?: number; method: string };
        posts.push({ auth: request.headers.get("authorization"), method: message.method });
        if (message.id === undefined) return new Response(null, { status: 202 });
        const serverInfo = { name: "fake-upstream", version: "0.0.0" };
        const result = { protocolVersion: "2025-06-18", capabilities: {}, serverInfo };
        return Response.json({ jsonrpc: "2.0", id: message.id, result });
      },
    });
    const home = await mkdtemp("/tmp/claude-config-home-");
    const url = `http://127.0.0.1:${server.port}/product/mcp`;
    const entry = claudeDesktopConfig({ servers: [{ name: "product", url }], apiKeyEnvVar: "RETAIL_MCP_KEY" })
      .mcpServers.product;
    if (!entry) throw new Error("no entry generated");
    // Claude Desktop would run `npx -y mcp-remote@0.15.1 …`; run the same installed version directly.
    expect(entry.args.slice(0, 2)).toEqual(["-y", MCP_REMOTE_PACKAGE]);
    const proxy = Bun.spawn(
      ["node", join(root, "node_modules/mcp-remote/dist/proxy.js"), ...entry.args.slice(2)],
      {
        env: { ...process.env, ...entry.env, RETAIL_MCP_KEY: "Bearer test-key-123", HOME: home },
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    try {
      const clientInfo = { name: "claude-config-test", version: "0.0.0" };
      const params = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo };
      proxy.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params })}\n`);
      await proxy.stdin.flush();
      const deadline = Date.now() + 20_000;
      while (!posts.some((p) => p.method === "initialize") && Date.now() < deadline) await Bun.sleep(50);
      expect(posts.length).toBeGreaterThan(0);
      for (const post of posts) expect(post.auth).toBe("Bearer test-key-123");
    } finally {
      proxy.kill();
      await proxy.exited;
      server.stop(true);
      await rm(home, { recursive: true, force: true });
    }
  });
});
