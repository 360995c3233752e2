/**
 * Post-deploy smoke test for one service: liveness, then a real MCP handshake and tools/list through
 * the official SDK client, the same path Claude Desktop takes through mcp-remote.
 *
 * Every network step has a deadline, so a hung load balancer fails the pipeline quickly instead of
 * holding the deploy job until GitHub's six-hour limit.
 *
 * CLI: bun scripts/smoke.ts https://mcp.example.com/product [--api-key-env RETAIL_MCP_KEY]
 *        [--timeout-ms 10000] [--expect-tool search_products]…
 * Exit 0 when healthy, 1 with a clear reason when not, 2 on bad arguments.
 */
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export interface SmokeOptions {
  /** The service's base URL, including its path prefix, e.g. https://x/product. */
  baseUrl: string;
  apiKey?: string;
  /** Deadline for each step; the whole run gets three of them. */
  timeoutMs?: number;
  expectTools?: string[];
}

export interface SmokeReport {
  healthUrl: string;
  mcpUrl: string;
  server: { name: string; version: string };
  tools: string[];
}

export class SmokeError extends Error {
  override readonly name = "SmokeError";
}

function describeError(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError") return "timed out";
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
}

async function checkHealth(url: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  } catch (error) {
    throw new SmokeError(
      `GET ${url} failed (${describeError(error)}, limit ${timeoutMs} ms). Is the service deployed and the URL right?`,
    );
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new SmokeError(
      `GET ${url} answered ${response.status}; the service is not healthy. Check its logs.`,
    );
  }
}

async function checkMcp(options: Required<Pick<SmokeOptions, "timeoutMs">> & SmokeOptions, mcpUrl: string) {
  const headers: Record<string, string> = {};
  if (options.apiKey) headers.Authorization = `Bearer ${options.apiKey}`;
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } });
  const client = new Client({ name: "retail-mcp-smoke", version: "1.0.0" });
  try {
    try {
      await client.connect(transport, { timeout: options.timeoutMs });
    } catch (error) {
      const text = describeError(error);
      const hint = /\b401\b|unauthori[sz]ed/i.test(text)
        ? " The service wants credentials: pass --api-key-env with a valid key."
        : "";
      throw new SmokeError(`MCP initialize at ${mcpUrl} failed: ${text}.${hint}`);
    }
    const server = client.getServerVersion();
    let tools: string[];
    try {
      const listed = await client.listTools({}, { timeout: options.timeoutMs });
      tools = listed.tools.map((tool) => tool.name);
    } catch (error) {
      throw new SmokeError(`MCP tools/list at ${mcpUrl} failed: ${describeError(error)}.`);
    }
    if (tools.length === 0) throw new SmokeError(`MCP tools/list at ${mcpUrl} returned no tools.`);
    const missing = (options.expectTools ?? []).filter((name) => !tools.includes(name));
    if (missing.length > 0) {
      throw new SmokeError(
        `MCP tools/list at ${mcpUrl} lacks ${missing.join(", ")}; it has ${tools.join(", ")}.`,
      );
    }
    return { server: { name: server?.name ?? "unknown", version: server?.version ?? "unknown" }, tools };
  } finally {
    await client.close().catch(() => {});
  }
}

/** Runs the smoke test; resolves to a report, or rejects with a SmokeError that says what failed. */
export async function smokeTest(options: SmokeOptions): Promise<SmokeReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const base = options.baseUrl.replace(/\/+$/, "");
  try {
    new URL(base);
  } catch {
    throw new SmokeError(
      `"${options.baseUrl}" is not a URL. Give the service base URL, e.g. https://x/product.`,
    );
  }
  const healthUrl = `${base}/health`;
  const mcpUrl = `${base}/mcp`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SmokeError(`Smoke test of ${base} did not finish within ${timeoutMs * 3} ms.`)),
      timeoutMs * 3,
    );
  });
  try {
    const run = async (): Promise<SmokeReport> => {
      await checkHealth(healthUrl, timeoutMs);
      const mcp = await checkMcp({ ...options, timeoutMs }, mcpUrl);
      return { healthUrl, mcpUrl, ...mcp };
    };
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}`);
    return 2;
  }
  const [baseUrl] = parsed.positionals;
  const { values } = parsed;
  if (!baseUrl || parsed.positionals.length > 1) {
    console.error(
      "Usage: bun scripts/smoke.ts <base-url> [--api-key-env VAR] [--timeout-ms N] [--expect-tool NAME]",
    );
    return 2;
  }
  const keyVar = values["api-key-env"];
  const apiKey = keyVar ? process.env[keyVar] : undefined;
  if (keyVar && !apiKey) {
    console.error(`smoke: --api-key-env ${keyVar} was given but ${keyVar} is empty or unset.`);
    return 2;
  }
  const timeoutMs = values["timeout-ms"] ? Number(values["timeout-ms"]) : undefined;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    console.error(`smoke: --timeout-ms must be a positive whole number of milliseconds.`);
    return 2;
  }
  try {
    const report = await smokeTest({
      baseUrl,
      ...(apiKey ? { apiKey } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(values["expect-tool"] ? { expectTools: values["expect-tool"] } : {}),
    });
    console.log(`smoke: ${report.healthUrl} ok`);
    console.log(`smoke: ${report.mcpUrl} ok (${report.server.name} ${report.server.version})`);
    console.log(`smoke: tools: ${report.tools.join(", ")}`);
    return 0;
  } catch (error) {
    if (!(error instanceof SmokeError)) throw error;
    console.error(`smoke: ${error.message}`);
    return 1;
  }
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      "api-key-env": { type: "string" },
      "timeout-ms": { type: "string" },
      "expect-tool": { type: "string", multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
