/**
 * `bun run dev`: both services from source on 127.0.0.1 (product 3001, order 3002) with the embedded
 * SQLite default and the demo catalogue, then the MCP URLs and a Claude Desktop config to paste.
 * Ctrl-C stops both. Override ports with PRODUCT_PORT / ORDER_PORT (0: a free port, read from the
 * service's `listening` line). The services' output is relayed here; on a terminal it is the readable
 * one-line-per-event format (LOG_FORMAT=pretty) unless LOG_FORMAT says otherwise.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { waitForListeningPort } from "service-kit/testing";
import { claudeDesktopConfig } from "./claude-config.ts";

const root = join(import.meta.dir, "..");

interface DevService {
  name: "product-service" | "order-service";
  /** As asked for; the bound port replaces it once the service listens. */
  port: number;
  env: Record<string, string>;
}

const productPort = Number(process.env.PRODUCT_PORT ?? 3001);
const orderPort = Number(process.env.ORDER_PORT ?? 3002);
// The internal reservation API always needs a service token: a fresh random one per run, given to both
// services and never printed, so no web page can guess it (an INTERNAL_TOKEN already set wins).
const internalToken =
  process.env.INTERNAL_TOKEN || Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
const services: DevService[] = [
  { name: "product-service", port: productPort, env: { INTERNAL_TOKEN: internalToken } },
  { name: "order-service", port: orderPort, env: { INTERNAL_TOKEN: internalToken } },
].filter((service) => existsSync(join(root, service.name, "src", "main.ts"))) as DevService[];

const children: Subprocess[] = [];
// Both services write through this process, so a person sees their lines as they come.
const logFormat = process.env.LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json");

/** Copies a child's stream to ours and keeps the start of it, where the listening line is. */
function relay(stream: ReadableStream<Uint8Array>, to: NodeJS.WriteStream, seen: { text: string }): void {
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      to.write(chunk);
      if (seen.text.length < 65_536) seen.text += decoder.decode(chunk, { stream: true });
    }
  })();
}

async function waitReady(service: DevService, child: Subprocess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${service.name} exited with status ${child.exitCode}; see its output above`);
    try {
      if ((await fetch(`http://127.0.0.1:${service.port}/ready`)).ok) return;
    } catch {
      // not up yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`${service.name} did not become ready on port ${service.port} within 20 s`);
}

function stopAll(code: number): never {
  for (const child of children) child.kill("SIGTERM");
  Promise.all(children.map((child) => child.exited)).then(() => process.exit(code));
  setTimeout(() => process.exit(code), 30_000).unref();
  return undefined as never;
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
// If the launcher above us dies without passing a signal on (npm's shell can), stop the servers too.
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher) stopAll(0);
}, 1000).unref();

for (const service of services) {
  const product = services.find((each) => each.name === "product-service");
  const env =
    service.name === "order-service" && product
      ? { PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` }
      : {};
  const child = Bun.spawn([process.execPath, join(root, service.name, "src", "main.ts"), "serve"], {
    cwd: root,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(service.port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      LOG_FORMAT: logFormat,
      ...env,
      ...service.env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  children.push(child);
  const seen = { text: "" };
  relay(child.stdout, process.stdout, seen);
  relay(child.stderr, process.stderr, seen);
  try {
    service.port = await waitForListeningPort({
      name: service.name,
      output: () => seen.text,
      exitCode: () => child.exitCode,
    });
    await waitReady(service, child);
  } catch (error) {
    console.error(`dev: ${(error as Error).message}`);
    stopAll(1);
  }
}

const servers = services.map((service) => ({
  name: service.name.replace("-service", ""),
  url: `http://127.0.0.1:${service.port}/mcp`,
}));
console.error(`
Retail MCP servers are running:
${servers.map((server) => `  ${server.name.padEnd(8)} ${server.url}`).join("\n")}

Claude Desktop (Settings → Developer → Edit Config), paste into claude_desktop_config.json:
${JSON.stringify(claudeDesktopConfig({ servers }), null, 2)}

MCP Inspector: npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL as above.
Press Ctrl-C to stop.
`);

const exits = await Promise.race(children.map((child) => child.exited));
console.error(`dev: a service exited (status ${exits}); stopping the others`);
stopAll(typeof exits === "number" && exits !== 0 ? exits : 1);
