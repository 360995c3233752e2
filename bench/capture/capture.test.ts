/**
 * Captures, byte for byte, what the real clients send, and fails when that differs from the committed
 * bench/requests/<client>.json (beyond the Host port, session id, Content-Length, JSON-RPC id and
 * idempotency key): a client upgrade that changes its requests shows up here, and the benchmark,
 * which replays these files, keeps sending what clients send.
 *
 * Each client runs on Node, as applications and Claude Desktop's bridge do, against the compiled
 * product-service and order-service through a recording TCP proxy on loopback.
 * To accept a change: UPDATE_CAPTURES=1 bun test bench/capture/capture.test.ts, and commit the files.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ServiceHandle, startService, tempDir } from "../../test/support/service-process.ts";
import { spawnStdioPeer } from "../../test/support/stdio-jsonrpc.ts";
import { startPeer } from "../servers.ts";
import {
  CAPTURED_CLIENTS,
  type CapturedClient,
  type CaptureFixture,
  fixtureDifferences,
  loadFixture,
  normalizeRequest,
  splitCapture,
  writeFixture,
} from "./fixtures.ts";
import { withHeader } from "./http-parse.ts";
import { type RecordingProxy, startRecordingProxy } from "./recording-proxy.ts";

const ROOT = join(import.meta.dir, "..", "..");
const MCP_REMOTE = join(ROOT, "node_modules", "mcp-remote", "dist", "proxy.js");
const DRIVER = join(import.meta.dir, "drive.mjs");
const UPDATE = process.env.UPDATE_CAPTURES === "1";

let product: ServiceHandle;
let order: ServiceHandle;

beforeAll(async () => {
  const token = crypto.randomUUID();
  product = await startService("product-service", { env: { INTERNAL_TOKEN: token } });
  order = await startService("order-service", {
    env: { INTERNAL_TOKEN: token, PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([order?.stop(), product?.stop()]);
});

function packageVersion(name: string): string {
  const file = join(ROOT, "node_modules", name, "package.json");
  return `${name} ${(JSON.parse(readFileSync(file, "utf8")) as { version: string }).version}`;
}

function nodeVersion(): string {
  return `Node ${Bun.spawnSync(["node", "--version"]).stdout.toString().trim()}`;
}

/** Runs bench/capture/drive.mjs on Node; it must not block this process, which runs the proxies. */
async function runDriver(client: "sdk-v2" | "sdk-v1", productUrl: string, orderUrl: string): Promise<void> {
  // orderUrl "--get-only": connect and call get_product only.
  const child = Bun.spawn(["node", DRIVER, client, productUrl, orderUrl], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`drive.mjs ${client} exited with ${code}:\n${stdout}${stderr}`);
}

/** mcp-remote as Claude Desktop runs it: `node proxy.js <url>`, spoken to over stdio. */
async function runMcpRemote(url: string, calls: { name: string; arguments: unknown }[]): Promise<void> {
  const home = tempDir("mcp-remote-home-");
  const peer = spawnStdioPeer(["node", MCP_REMOTE, url], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, MCP_REMOTE_CONFIG_DIR: join(home, "cfg") },
  });
  try {
    await peer.initialize("claude-ai", "2025-11-25");
    for (const call of calls) {
      const result = await peer.request<{ isError?: boolean }>("tools/call", call);
      if (result.isError) throw new Error(`${call.name} through mcp-remote answered an error`);
    }
  } finally {
    await peer.close();
  }
}

const PACKAGES: Record<CapturedClient, string> = {
  "sdk-v2": "@modelcontextprotocol/client",
  "sdk-v1": "@modelcontextprotocol/sdk",
  "mcp-remote": "mcp-remote",
};

const HOW: Record<CapturedClient, { protocol: string; how: string }> = {
  "sdk-v2": {
    protocol: "2026-07-28",
    how: "bench/capture/drive.mjs on Node: new Client(…, { versionNegotiation: { mode: 'auto' } }) over StreamableHTTPClientTransport; connect() probes server/discover, then callTool().",
  },
  "sdk-v1": {
    protocol: "2025-11-25",
    how: "bench/capture/drive.mjs on Node: new Client(…) over StreamableHTTPClientTransport (defaults); connect() sends initialize, notifications/initialized and opens the GET stream, then callTool().",
  },
  "mcp-remote": {
    protocol: "2025-11-25",
    how: "`node node_modules/mcp-remote/dist/proxy.js <url>` spoken to over stdio as Claude Desktop does (initialize with protocolVersion 2025-11-25 and clientInfo claude-ai, notifications/initialized, tools/call); what it sent over HTTP was recorded.",
  },
};

async function capture(client: CapturedClient): Promise<CaptureFixture> {
  const proxies: RecordingProxy[] = [
    await startRecordingProxy(product.port),
    await startRecordingProxy(order.port),
  ];
  const [productProxy, orderProxy] = proxies as [RecordingProxy, RecordingProxy];
  try {
    if (client === "mcp-remote") {
      await runMcpRemote(`${productProxy.url}/mcp`, [
        { name: "get_product", arguments: { product_id: "p002" } },
        { name: "search_products", arguments: { query: "wireless headphones", limit: 10 } },
      ]);
      await runMcpRemote(`${orderProxy.url}/mcp`, [
        {
          name: "create_order",
          arguments: { items: [{ product_id: "p002", quantity: 1 }], idempotency_key: crypto.randomUUID() },
        },
      ]);
    } else {
      await runDriver(client, `${productProxy.url}/mcp`, `${orderProxy.url}/mcp`);
    }
    return {
      client,
      package: packageVersion(PACKAGES[client]),
      protocolVersion: HOW[client].protocol,
      runtime: nodeVersion(),
      capturedHow: HOW[client].how,
      ...splitCapture(productProxy.requests(), orderProxy.requests()),
    };
  } finally {
    for (const proxy of proxies) proxy.stop();
  }
}

describe("requests real clients send (bench/requests)", () => {
  for (const client of CAPTURED_CLIENTS) {
    test(`${client}: a fresh capture matches the committed one`, async () => {
      const fresh = await capture(client);
      if (UPDATE) writeFixture(fresh);
      const differences = fixtureDifferences(loadFixture(client), fresh);
      if (differences.length > 0) {
        throw new Error(
          `${client} now sends something else than bench/requests/${client}.json:\n${differences.join("\n")}\n` +
            "If the client changed on purpose, run UPDATE_CAPTURES=1 bun test bench/capture/capture.test.ts and commit.",
        );
      }
      expect(differences).toEqual([]);
    }, 120_000);
  }
});

describe("the stateless 2025 case (SDK v1's call without a session)", () => {
  test("is what SDK v1 sends to a server that gives it no session (the stateless SDK v1 peer)", async () => {
    const peer = await startPeer();
    const proxy = await startRecordingProxy(peer.port);
    try {
      await runDriver("sdk-v1", `${proxy.url}/mcp`, "--get-only");
      const sent = proxy.requests().find((request) => request.body.includes('"tools/call"'));
      if (!sent) throw new Error("SDK v1 sent no tools/call to the stateless peer");
      const derived = withHeader(loadFixture("sdk-v1").calls.get_product, "mcp-session-id", undefined);
      expect(normalizeRequest(sent)).toEqual(normalizeRequest(derived));
    } finally {
      proxy.stop();
      await peer.stop();
    }
  }, 60_000);
});
