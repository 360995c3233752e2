/**
 * Bad input and bad days answered cleanly by the compiled binaries: a forged pagination cursor is an
 * `isError` result (never a database error, never an error-level log line), `/ready` does not hand
 * the database's error text to whoever asks, and a short API key stops the start with one line.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type ClusterPostgres, startClusterPostgres } from "../../scripts/cluster/postgres.ts";
import { runToExit, type ServiceHandle, startService, tempDir } from "../support/service-process.ts";

interface ToolAnswer {
  isError?: boolean;
  content: { text: string }[];
  structuredContent?: Record<string, unknown>;
}

async function callTool(service: ServiceHandle, name: string, args: unknown): Promise<ToolAnswer> {
  const response = await fetch(service.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: ToolAnswer }).result;
}

const encode = (payload: unknown): string => Buffer.from(JSON.stringify(payload)).toString("base64url");
const decode = (cursor: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(cursor, "base64url").toString()) as Record<string, unknown>;

function errorLines(service: ServiceHandle): Record<string, unknown>[] {
  return service.logLines().filter((line) => line.level === "error");
}

describe("forged cursors", () => {
  let product: ServiceHandle;
  let order: ServiceHandle;

  beforeAll(async () => {
    product = await startService("product-service");
    order = await startService("order-service", {
      env: { PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` },
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([order?.stop(), product?.stop()]);
  });

  test("search_products: a real cursor with a forged offset is an isError saying what to do", async () => {
    const first = await callTool(product, "search_products", { limit: 2 });
    const cursor = first.structuredContent?.next_cursor as string;
    const { f } = decode(cursor);
    for (const o of [1e20, 1e308, 2 ** 63]) {
      const answer = await callTool(product, "search_products", { limit: 2, cursor: encode({ o, f }) });
      expect(answer.isError).toBe(true);
      expect(answer.content[0]?.text).toContain("Repeat the search without a cursor");
      expect(answer.content[0]?.text).not.toContain("SQLite");
    }
    expect(errorLines(product)).toEqual([]);
  });

  test("list_orders: a forged cursor is an isError, never reaching SQL", async () => {
    for (const b of ["ord-1\u0000", "x".repeat(200)]) {
      const answer = await callTool(order, "list_orders", { cursor: encode({ b, s: null }) });
      expect(answer.isError).toBe(true);
      expect(answer.content[0]?.text).toContain("without a cursor");
    }
    expect(errorLines(order)).toEqual([]);
  });
});

describe("/ready while the database is down", () => {
  let postgres: ClusterPostgres;
  let product: ServiceHandle;

  beforeAll(async () => {
    postgres = await startClusterPostgres();
    product = await startService("product-service", {
      databaseUrl: postgres.url,
      env: { DATABASE_SCHEMA: "product" },
    });
  }, 120_000);

  afterAll(async () => {
    await product?.stop();
    await postgres?.destroy();
  });

  test("answers 503 with a generic reason and logs the database's own error", async () => {
    expect((await fetch(`${product.baseUrl}/ready`)).status).toBe(200);
    await postgres.stop();
    const response = await fetch(`${product.baseUrl}/ready`);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      status: "unavailable",
      service: "product-service",
      reason: "database unavailable",
    });
    expect(text).not.toContain(String(postgres.port));
    const notReady = (): Record<string, unknown>[] =>
      product.logLines().filter((line) => line.msg === "not ready: the database did not answer");
    // Log lines leave in batches; give the batch a moment to reach the pipe.
    for (let i = 0; i < 40 && notReady().length === 0; i++) await Bun.sleep(50);
    const logged = notReady();
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]?.level).toBe("warn");
    expect(String(logged[0]?.error).length).toBeGreaterThan(0);
  }, 30_000);
});

test("an API key shorter than 24 characters stops the start with exit 2 and one line", async () => {
  const result = await runToExit("product-service", {
    HOST: "127.0.0.1",
    AUTH_MODE: "api-key",
    API_KEYS: "alice=rmcp_alice_dev_key_0123456789,bob=short-dev-key",
    DATABASE_URL: `sqlite://${join(tempDir(), "never.sqlite")}`,
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(
    "config error: API_KEYS entry 2 (bob) has a key shorter than 24 characters; use a long random key",
  );
  expect(`${result.stdout}${result.stderr}`).not.toContain("short-dev-key");
});
