/**
 * The real-client cases: get_product, search_products and create_order sent byte for byte as each
 * captured client sends them (bench/requests), against product-service and order-service.
 */
import type { CapturedClient, CapturedTool } from "./capture/fixtures.ts";
import { loadFixture } from "./capture/fixtures.ts";
import { type OrderDatabase, type Progress, runOrderCase, single } from "./cases.ts";
import type { CaseResult, RunSettings } from "./measure.ts";
import { capturedLoad, type Way } from "./replay.ts";
import { freshSqliteUrl, startProduct } from "./servers.ts";

export interface RealWay {
  /** Part of the case id: real-<tool>-<key>[-<database>]. */
  key: string;
  way: Way;
  /** How the request was captured, for labels and docs. */
  describe(): string;
}

function captured(client: CapturedClient): string {
  const fixture = loadFixture(client);
  return `${fixture.package} on ${fixture.runtime}`;
}

export const REAL_WAYS: RealWay[] = [
  {
    key: "sdk-v2",
    way: { client: "sdk-v2" },
    describe: () => `2026-07-28, as SDK v2 sends it (${captured("sdk-v2")})`,
  },
  {
    key: "sdk-v1-session",
    way: { client: "sdk-v1" },
    describe: () => `2025-11-25 session, as SDK v1 sends it (${captured("sdk-v1")})`,
  },
  {
    key: "mcp-remote-session",
    way: { client: "mcp-remote" },
    describe: () => `2025-11-25 session, as mcp-remote sends it (${captured("mcp-remote")})`,
  },
  {
    key: "stateless-both",
    way: { client: "sdk-v1", stateless: true },
    describe: () =>
      `stateless 2025, both Accept types: SDK v1's request without a session (${captured("sdk-v1")})`,
  },
];

const TOOL_KEYS: Record<CapturedTool, string> = {
  get_product: "get",
  search_products: "search",
  create_order: "create",
};

export function realCaseId(tool: CapturedTool, way: RealWay, database?: OrderDatabase["kind"]): string {
  return `real-${TOOL_KEYS[tool]}-${way.key}${database ? `-${database}` : ""}`;
}

export async function runRealProductCases(settings: RunSettings, progress: Progress): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const tool of ["get_product", "search_products"] as const) {
    for (const way of REAL_WAYS) {
      results.push(
        ...(await single(
          realCaseId(tool, way),
          `${tool}, ${way.describe()}`,
          () => startProduct(freshSqliteUrl("product")),
          (server) => capturedLoad(way.way, tool, server.baseUrl),
          settings,
          progress,
        )),
      );
    }
  }
  return results;
}

export async function runRealOrderCases(
  database: () => OrderDatabase,
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const way of REAL_WAYS) {
    const db = database();
    results.push(
      ...(await runOrderCase(
        realCaseId("create_order", way, db.kind),
        `create_order on ${db.label}, ${way.describe()}`,
        db,
        (order) => capturedLoad(way.way, "create_order", order.baseUrl),
        settings,
        progress,
      )),
    );
  }
  return results;
}
