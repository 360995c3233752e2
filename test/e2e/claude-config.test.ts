/**
 * The Claude Desktop entry that scripts/claude-config.ts prints, run exactly as Claude Desktop would:
 * its `command` and `args` (npx → mcp-remote@0.15.1), with the API key in the env var it names,
 * against product-service in api-key mode. initialize and tools/list must work over stdio.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type ServiceHandle, startService, tempDir, waitForLogLine } from "../support/service-process.ts";
import { spawnStdioPeer } from "../support/stdio-jsonrpc.ts";

const root = join(import.meta.dir, "..", "..");
const key = `rk_${crypto.randomUUID().replaceAll("-", "")}`;
let product: ServiceHandle;

beforeAll(async () => {
  product = await startService("product-service", {
    env: { AUTH_MODE: "api-key", API_KEYS: `claude-desktop=${key}`, BASE_PATH: "/product" },
  });
}, 120_000);

afterAll(async () => {
  await product?.stop();
});

interface Entry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

function generatedEntry(url: string): Entry {
  const printed = Bun.spawnSync(
    [
      process.execPath,
      join(root, "scripts", "claude-config.ts"),
      "--server",
      `retail-product=${url}`,
      "--api-key-env",
      "RETAIL_MCP_KEY",
    ],
    { cwd: root },
  );
  expect(printed.exitCode).toBe(0);
  const config = JSON.parse(printed.stdout.toString()) as { mcpServers: Record<string, Entry> };
  const entry = config.mcpServers["retail-product"];
  if (!entry) throw new Error(`no retail-product entry in ${printed.stdout.toString()}`);
  return entry;
}

test("the generated command line reaches the server with the key and lists its tools", async () => {
  // The server really wants the key: without it, the MCP endpoint answers 401.
  const anonymous = await fetch(product.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  expect(anonymous.status).toBe(401);

  const entry = generatedEntry(product.mcpUrl);
  expect(entry.command).toBe("npx");
  const [envVar] = Object.keys(entry.env);
  expect(envVar).toBe("RETAIL_MCP_KEY");
  const home = tempDir("claude-config-home-");
  // What the user does with the generated JSON: replace the placeholder value with "Bearer <key>".
  const peer = spawnStdioPeer([entry.command, ...entry.args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      MCP_REMOTE_CONFIG_DIR: join(home, "mcp-remote"),
      npm_config_update_notifier: "false",
      [envVar as string]: `Bearer ${key}`,
    },
  });
  try {
    const init = await peer.initialize("claude-desktop-config-test");
    expect(init.serverInfo.name).toBe("product-service");
    const { tools } = await peer.request<{ tools: { name: string }[] }>("tools/list");
    expect(tools.map((tool) => tool.name)).toContain("search_products");
  } finally {
    await peer.close();
  }
  const served = await waitForLogLine(
    product,
    (line) =>
      line.msg === "request" && line.mcpMethod === "tools/list" && line.principal === "claude-desktop",
  );
  expect(served?.principal).toBe("claude-desktop");
}, 90_000);
