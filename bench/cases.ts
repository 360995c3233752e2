/**
 * The benchmark's cases. Each starts its own server(s), runs one measured load, and stops them, so
 * no case inherits another's heap or database.
 */
import { BENCH_PRODUCT_ID } from "./canned.ts";
import { toolCallBody } from "./mcp-session.ts";
import { type CaseLoad, type CaseResult, measureCase, type RunSettings } from "./measure.ts";
import type { ServerHandle } from "./processes.ts";
import { capturedLoad } from "./replay.ts";
import {
  freshSqliteUrl,
  orderServiceExists,
  seedHugeStock,
  startCeiling,
  startOrder,
  startPeer,
  startPeerV2,
  startProduct,
} from "./servers.ts";

export type Progress = (message: string) => void;

const GET_PRODUCT = toolCallBody("get_product", { product_id: BENCH_PRODUCT_ID });
const GET_EXPECT = `"id":"${BENCH_PRODUCT_ID}"`;
// The floor under every call: HTTP checks, auth, the log line and the SDK's dispatch, with no tool or query.
const PING = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
const PING_EXPECT = '"result":{}';
const SEARCH_PRODUCTS = toolCallBody("search_products", { query: "wireless headphones", limit: 10 });
const SEARCH_EXPECT = '"total":';
const JSON_ONLY = { Accept: "application/json" };

async function withServers<T>(
  start: () => Promise<ServerHandle[]>,
  run: (servers: ServerHandle[]) => Promise<T>,
): Promise<T> {
  const servers = await start();
  try {
    return await run(servers);
  } finally {
    for (const server of [...servers].reverse()) await server.stop();
  }
}

/**
 * Cases that failed to run in this process, with why: the run goes on without them, and the report's
 * notes and targets say "not measured" rather than losing every other figure.
 */
export const notMeasured: string[] = [];

async function orNote(id: string, progress: Progress, run: () => Promise<CaseResult>): Promise<CaseResult[]> {
  try {
    return [await run()];
  } catch (error) {
    const note = `${id}: not measured (${error instanceof Error ? error.message : String(error)})`;
    notMeasured.push(note);
    progress(note);
    return [];
  }
}

/** One case on one freshly started server; [] (and a note) when it could not be measured. */
export async function single(
  id: string,
  label: string,
  start: () => Promise<ServerHandle>,
  load: (server: ServerHandle) => Promise<CaseLoad>,
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult[]> {
  progress(`${id}: ${label}`);
  return orNote(id, progress, () => singleOrThrow(id, start, load, label, settings, progress));
}

async function singleOrThrow(
  id: string,
  start: () => Promise<ServerHandle>,
  load: (server: ServerHandle) => Promise<CaseLoad>,
  label: string,
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult> {
  return withServers(
    async () => [await start()],
    async ([server]) => {
      if (!server) throw new Error(`${id}: no server started`);
      const result = await measureCase(id, label, server, await load(server), settings);
      progress(
        `${id}: ${result.requestsPerSecond} req/s, p99 ${result.latencyMs.p99} ms, ${result.errors.total} errors`,
      );
      return result;
    },
  );
}

export async function runCeiling(settings: RunSettings, progress: Progress): Promise<CaseResult[]> {
  const load = async (): Promise<CaseLoad> => ({
    path: "/mcp",
    body: GET_PRODUCT,
    headers: JSON_ONLY,
    expect: GET_EXPECT,
  });
  return single(
    "ceiling",
    "ceiling: raw Bun.serve, canned tools/call answer",
    startCeiling,
    load,
    settings,
    progress,
  );
}

/**
 * The peers, each sent what a client of its SDK sends: SDK v1 + Express gets SDK v1's call without a
 * session (it serves stateless), SDK v2's createMcpHandler gets SDK v2's 2026-07-28 call.
 */
export async function runPeers(settings: RunSettings, progress: Progress): Promise<CaseResult[]> {
  return [
    ...(await single(
      "peer",
      "peer: Node + Express 5 + SDK v1 1.32.2 (stateless), get_product as SDK v1 sends it without a session",
      startPeer,
      (server) => capturedLoad({ client: "sdk-v1", stateless: true }, "get_product", server.baseUrl),
      settings,
      progress,
    )),
    ...(await single(
      "peer-v2",
      "peer: Node + SDK v2 createMcpHandler + toNodeHandler, get_product as SDK v2 sends it (2026-07-28)",
      startPeerV2,
      (server) => capturedLoad({ client: "sdk-v2" }, "get_product", server.baseUrl),
      settings,
      progress,
    )),
  ];
}

/**
 * The JSON-only cases: stateless calls with `Accept: application/json`. No common client sends this
 * (the SDKs, mcp-remote and the AI SDK all list both types); they stay as the floor under the
 * real-client cases and to compare with earlier runs.
 */
export async function runJsonOnlyProductCases(
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult[]> {
  const start = (): Promise<ServerHandle> => startProduct(freshSqliteUrl("product"));
  const stateless = (body: string, expect: string) => async (): Promise<CaseLoad> => ({
    path: "/mcp",
    body,
    headers: JSON_ONLY,
    expect,
  });
  return [
    ...(await single(
      "product-ping-stateless",
      "MCP ping, stateless JSON only (no tool, no query; no common client sends this)",
      start,
      stateless(PING, PING_EXPECT),
      settings,
      progress,
    )),
    ...(await single(
      "product-get-stateless",
      "get_product, stateless JSON only (no common client sends this)",
      start,
      stateless(GET_PRODUCT, GET_EXPECT),
      settings,
      progress,
    )),
    ...(await single(
      "product-search-stateless",
      "search_products, stateless JSON only (no common client sends this)",
      start,
      stateless(SEARCH_PRODUCTS, SEARCH_EXPECT),
      settings,
      progress,
    )),
  ];
}

/** create_order's arguments; "{{n}}" becomes a unique number per request inside wrk. */
export const CREATE_ORDER_BODY = toolCallBody("create_order", {
  items: [{ product_id: BENCH_PRODUCT_ID, quantity: 1 }],
  idempotency_key: "bench-{{n}}",
});
export const CREATE_ORDER_EXPECT = '"status":"confirmed"';

export interface OrderDatabase {
  /** "sqlite" or "postgres": the suffix of the case ids. */
  kind: "sqlite" | "postgres";
  label: string;
  productUrl: string;
  orderUrl: string;
  productEnv?: Record<string, string>;
  orderEnv?: Record<string, string>;
}

/** A fresh pair of SQLite files per call, so no case inherits another's orders. */
export function sqliteOrderDatabase(): OrderDatabase {
  return {
    kind: "sqlite",
    label: "SQLite",
    productUrl: freshSqliteUrl("product"),
    orderUrl: freshSqliteUrl("order"),
  };
}

/** The PostgreSQL case, or the reason it cannot run here. */
export function postgresOrderDatabase(url: string | undefined): OrderDatabase | string {
  if (!url || !/^postgres(ql)?:\/\//.test(url))
    return "postgres: not configured (set BENCH_DATABASE_URL=postgres://…)";
  return {
    kind: "postgres",
    label: "PostgreSQL",
    productUrl: url,
    orderUrl: url,
    productEnv: { DATABASE_SCHEMA: "bench_product" },
    orderEnv: { DATABASE_SCHEMA: "bench_orders" },
  };
}

/** create_order's load against a started order-service. */
export type OrderLoad = (order: ServerHandle) => Promise<CaseLoad>;

/** create_order sent with `Accept: application/json` only: no common client sends this. */
export const JSON_ONLY_ORDER: OrderLoad = async () => ({
  path: "/mcp",
  body: CREATE_ORDER_BODY,
  headers: JSON_ONLY,
  expect: CREATE_ORDER_EXPECT,
});

/** One create_order case: product-service and order-service on `database`, stock seeded, `load` run. */
export async function runOrderCase(
  id: string,
  label: string,
  database: OrderDatabase,
  load: OrderLoad,
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult[]> {
  if (!orderServiceExists()) throw new Error("order-service/src/main.ts does not exist");
  progress(`${id}: ${label}`);
  return orNote(id, progress, async () => {
    seedHugeStock(database.productUrl, database.productEnv);
    return orderCaseOrThrow(id, label, database, load, settings, progress);
  });
}

async function orderCaseOrThrow(
  id: string,
  label: string,
  database: OrderDatabase,
  load: OrderLoad,
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult> {
  return withServers(
    async () => {
      const product = await startProduct(database.productUrl, database.productEnv);
      try {
        return [product, await startOrder(database.orderUrl, product.baseUrl, database.orderEnv)];
      } catch (error) {
        await product.stop();
        throw error;
      }
    },
    async ([, order]) => {
      if (!order) throw new Error(`${id}: order-service did not start`);
      const result = await measureCase(id, label, order, await load(order), settings);
      progress(
        `${id}: ${result.requestsPerSecond} req/s, p99 ${result.latencyMs.p99} ms, ${result.errors.total} errors`,
      );
      return result;
    },
  );
}
