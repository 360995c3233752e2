/**
 * The MCP Inspector CLI, a real client people point at servers, against both compiled services in
 * both eras: `--protocol-era modern` (2026-07-28, stateless) and `legacy` (2025-11-25, sessions).
 * Each run is its own process: initialize (or discovery), tools/list, get_product p001, resources/read
 * product://p002, create_order then cancel_order. The services' request log says which era served it.
 * And its schema portability check reads every output schema without a warning (no `type` arrays).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type InspectorEra, inspectorResult, runInspector } from "../support/inspector-cli.ts";
import { loggedProtocol, type ServiceHandle, startService } from "../support/service-process.ts";

const TOKEN = "inspector-e2e-internal-token-0123456789";
const REVISION: Record<InspectorEra, string> = { modern: "2026-07-28", legacy: "2025-11-25" };

let product: ServiceHandle;
let order: ServiceHandle;

beforeAll(async () => {
  product = await startService("product-service", { env: { INTERNAL_TOKEN: TOKEN } });
  order = await startService("order-service", {
    env: { INTERNAL_TOKEN: TOKEN, PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([order?.stop(), product?.stop()]);
});

interface Initialized {
  protocolVersion: string;
  serverInfo: { name: string };
}
interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
}

async function toolNames(url: string, era: InspectorEra): Promise<string[]> {
  const listed = await inspectorResult<{ tools: { name: string }[] }>(url, era, ["--method", "tools/list"]);
  return listed.tools.map((tool) => tool.name).sort();
}

for (const era of ["modern", "legacy"] as InspectorEra[]) {
  describe(`MCP Inspector CLI, --protocol-era ${era}`, () => {
    test("product-service: initialize, tools/list, get_product p001, resources/read product://p002", async () => {
      const init = await inspectorResult<Initialized>(product.mcpUrl, era, ["--method", "initialize"]);
      expect(init.protocolVersion).toBe(REVISION[era]);
      expect(init.serverInfo.name).toBe("product-service");
      expect(await toolNames(product.mcpUrl, era)).toEqual([
        "check_inventory",
        "get_product",
        "list_categories",
        "search_products",
      ]);
      const getMark = product.logLines().length;
      const got = await inspectorResult<ToolResult>(product.mcpUrl, era, [
        "--method",
        "tools/call",
        "--tool-name",
        "get_product",
        "--tool-arg",
        "product_id=p001",
      ]);
      expect(got.isError).toBeUndefined();
      expect(got.structuredContent).toMatchObject({ id: "p001", name: "Smartphone X", price: 799.99 });
      expect(await loggedProtocol(product, "get_product", getMark)).toBe(REVISION[era]);
      const read = await inspectorResult<{ contents: { uri: string; text: string }[] }>(product.mcpUrl, era, [
        "--method",
        "resources/read",
        "--uri",
        "product://p002",
      ]);
      expect(read.contents[0]?.uri).toBe("product://p002");
      expect(JSON.parse(read.contents[0]?.text ?? "{}")).toMatchObject({
        id: "p002",
        name: "Wireless Headphones",
      });
    }, 90_000);

    test("order-service: initialize, tools/list, create_order then cancel_order", async () => {
      const init = await inspectorResult<Initialized>(order.mcpUrl, era, ["--method", "initialize"]);
      expect(init.protocolVersion).toBe(REVISION[era]);
      expect(init.serverInfo.name).toBe("order-service");
      expect(await toolNames(order.mcpUrl, era)).toEqual(
        expect.arrayContaining(["cancel_order", "create_order", "get_order", "list_orders"]),
      );
      const createMark = order.logLines().length;
      const created = await inspectorResult<ToolResult>(order.mcpUrl, era, [
        "--method",
        "tools/call",
        "--tool-name",
        "create_order",
        "--tool-args-json",
        JSON.stringify({ items: [{ product_id: "p002", quantity: 1 }], idempotency_key: `inspector-${era}` }),
      ]);
      expect(created.structuredContent).toMatchObject({ status: "confirmed", total: 149.99 });
      expect(await loggedProtocol(order, "create_order", createMark)).toBe(REVISION[era]);
      const orderId = String(created.structuredContent?.order_id);
      const cancelMark = order.logLines().length;
      const cancelled = await inspectorResult<ToolResult>(order.mcpUrl, era, [
        "--method",
        "tools/call",
        "--tool-name",
        "cancel_order",
        "--tool-arg",
        `order_id=${orderId}`,
      ]);
      expect(cancelled.structuredContent).toMatchObject({ order_id: orderId, status: "cancelled" });
      expect(await loggedProtocol(order, "cancel_order", cancelMark)).toBe(REVISION[era]);
    }, 90_000);
  });
}

describe("MCP Inspector CLI schema portability check", () => {
  for (const service of ["product-service", "order-service"] as const) {
    test(`${service}: tools/list lists the tools with no warnings, plain and --strict, both eras`, async () => {
      const url = service === "product-service" ? product.mcpUrl : order.mcpUrl;
      for (const era of ["modern", "legacy"] as InspectorEra[]) {
        // Without --strict the CLI prints a one-line count of problems; with it, one block per problem.
        for (const strict of [[], ["--strict"]]) {
          // Text output, as a person sees it: warnings go to stderr, the tools to stdout.
          const run = await runInspector(url, ["--method", "tools/list", ...strict, "--protocol-era", era]);
          expect(run.exitCode).toBe(0);
          expect(JSON.parse(run.stdout).tools.length).toBe(4);
          // Each warning names the schema path it is about; none should.
          expect(run.stderr.match(/^\s*Path: .*$/gm) ?? []).toEqual([]);
          expect(run.stderr).not.toMatch(/warning/i);
        }
      }
    }, 90_000);
  }
});
