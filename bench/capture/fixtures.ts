/**
 * The captured requests (bench/requests/<client>.json): what each real client sent, byte for byte,
 * to connect and to call get_product, search_products and create_order. bench/capture/capture.test.ts
 * writes and checks them; the benchmark replays them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type HttpRequest, headerValue } from "./http-parse.ts";

export const CAPTURED_CLIENTS = ["sdk-v2", "sdk-v1", "mcp-remote"] as const;
export type CapturedClient = (typeof CAPTURED_CLIENTS)[number];
export const CAPTURED_TOOLS = ["get_product", "search_products", "create_order"] as const;
export type CapturedTool = (typeof CAPTURED_TOOLS)[number];

export interface CaptureFixture {
  client: CapturedClient;
  /** npm package and exact version that sent these requests. */
  package: string;
  protocolVersion: string;
  /** "Node v20.20.2": the runtime the client ran on when captured. */
  runtime: string;
  /** How the capture was made, in words, for docs/performance.md. */
  capturedHow: string;
  /** Requests sent to product-service before the first tools/call (handshake, probe, GET stream). */
  connect: HttpRequest[];
  calls: Record<CapturedTool, HttpRequest>;
}

export const REQUESTS_DIR = join(import.meta.dir, "..", "requests");

export function fixturePath(client: CapturedClient): string {
  return join(REQUESTS_DIR, `${client}.json`);
}

export function loadFixture(client: CapturedClient): CaptureFixture {
  return JSON.parse(readFileSync(fixturePath(client), "utf8")) as CaptureFixture;
}

/** Writes the fixture and lays it out as Biome does, so `bun run lint` passes on an updated capture. */
export function writeFixture(fixture: CaptureFixture): void {
  const file = fixturePath(fixture.client);
  writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
  const format = Bun.spawnSync([process.execPath, "x", "biome", "format", "--write", file], {
    cwd: join(import.meta.dir, "..", ".."),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (format.exitCode !== 0) throw new Error(`biome format ${file} failed:\n${format.stderr.toString()}`);
}

/** The JSON-RPC method of a request body, "GET" for a body-less stream request. */
export function rpcMethod(request: HttpRequest): string {
  if (request.body === "") return request.method;
  const parsed = JSON.parse(request.body) as { method?: string };
  return parsed.method ?? "(response)";
}

export function toolName(request: HttpRequest): string | undefined {
  if (rpcMethod(request) !== "tools/call") return undefined;
  return (JSON.parse(request.body) as { params?: { name?: string } }).params?.name;
}

/** Splits what one client sent to product-service and order-service into a fixture's two parts. */
export function splitCapture(
  product: HttpRequest[],
  order: HttpRequest[],
): Pick<CaptureFixture, "connect" | "calls"> {
  const connect = product.filter((request) => rpcMethod(request) !== "tools/call");
  const find = (requests: HttpRequest[], tool: CapturedTool): HttpRequest => {
    const found = requests.find((request) => toolName(request) === tool);
    if (!found) {
      const seen = requests.map((request) => `${request.method} ${rpcMethod(request)}`).join(", ");
      throw new Error(`no tools/call of ${tool} was captured (saw: ${seen || "nothing"})`);
    }
    return found;
  };
  return {
    connect,
    calls: {
      get_product: find(product, "get_product"),
      search_products: find(product, "search_products"),
      create_order: find(order, "create_order"),
    },
  };
}

/**
 * A request with only the parts that change from run to run blanked: the Host port, the session id,
 * Content-Length (which follows the body), the JSON-RPC id and create_order's idempotency key.
 * Everything else, header order and case included, must stay the same between captures.
 */
export function normalizeRequest(request: HttpRequest): HttpRequest {
  const headers = request.headers.map(([name, value]): [string, string] => {
    const lower = name.toLowerCase();
    if (lower === "host") return [name, value.replace(/:\d+$/, ":<port>")];
    if (lower === "content-length") return [name, "<length>"];
    if (lower === "mcp-session-id") return [name, "<session>"];
    return [name, value];
  });
  let body = request.body;
  if (body !== "") {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    if (id !== undefined) body = body.replace(`"id":${JSON.stringify(id)}`, '"id":"<id>"');
    body = body.replace(/"idempotency_key":"[^"]*"/, '"idempotency_key":"<key>"');
  }
  return { ...request, headers, body };
}

/** What differs between two fixtures once per-run values are blanked, one line per difference. */
export function fixtureDifferences(committed: CaptureFixture, fresh: CaptureFixture): string[] {
  const differences: string[] = [];
  if (committed.package !== fresh.package)
    differences.push(`package: ${committed.package} → ${fresh.package}`);
  if (committed.protocolVersion !== fresh.protocolVersion)
    differences.push(`protocolVersion: ${committed.protocolVersion} → ${fresh.protocolVersion}`);
  const compare = (where: string, a: HttpRequest | undefined, b: HttpRequest | undefined): void => {
    const left = JSON.stringify(a ? normalizeRequest(a) : null);
    const right = JSON.stringify(b ? normalizeRequest(b) : null);
    if (left !== right) differences.push(`${where}:\n  committed ${left}\n  fresh     ${right}`);
  };
  const [before, after] = [settleStreamOpens(committed.connect), settleStreamOpens(fresh.connect)];
  const connects = Math.max(before.length, after.length);
  for (let index = 0; index < connects; index++) {
    compare(`connect[${index}]`, before[index], after[index]);
  }
  for (const tool of CAPTURED_TOOLS) compare(`calls.${tool}`, committed.calls[tool], fresh.calls[tool]);
  return differences;
}

/**
 * `requests` with each GET stream of a session moved right after the last earlier request of that
 * session. A client opens its GET stream without waiting for it, so what it sends next (mcp-remote's
 * second initialize) may reach the server first, in either order from one run to the next: that race
 * is no change in what the client sends.
 */
export function settleStreamOpens(requests: readonly HttpRequest[]): HttpRequest[] {
  const ordered: HttpRequest[] = [];
  for (const request of requests) {
    const session = headerValue(request, "mcp-session-id");
    const last =
      request.method === "GET" && session !== undefined
        ? ordered.findLastIndex((earlier) => headerValue(earlier, "mcp-session-id") === session)
        : -1;
    if (last === -1) ordered.push(request);
    else ordered.splice(last + 1, 0, request);
  }
  return ordered;
}
