/**
 * product-service's internal reservation API, black box: the compiled binary, raw HTTP, a service
 * token, and BASE_PATH=/product to show the API is served at the root only (the load balancer routes
 * only `/product/*`, so the internet never reaches it).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type ConnectedClient, callTool, connectClient } from "../support/mcp-client.ts";
import {
  binaryPath,
  runToExit,
  type ServiceHandle,
  startService,
  tempDir,
} from "../support/service-process.ts";

const TOKEN = "reservations-e2e-token-0123456789";

describe("product-service internal reservations", () => {
  let product: ServiceHandle;
  let connection: ConnectedClient;
  let root: string;

  beforeAll(async () => {
    product = await startService("product-service", {
      env: { INTERNAL_TOKEN: TOKEN, BASE_PATH: "/product" },
    });
    root = `http://127.0.0.1:${product.port}`;
    connection = await connectClient(product.mcpUrl);
  }, 120_000);

  afterAll(async () => {
    await connection?.close();
    await product?.stop();
  });

  async function stock(id: string): Promise<number> {
    const report = await callTool<{ items: { stock: number }[] }>(connection.client, "check_inventory", {
      product_ids: [id],
    });
    return report.items[0]?.stock ?? Number.NaN;
  }

  function reserve(
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ): Promise<Response> {
    return fetch(`${root}/internal/reservations`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  test("without the token the API answers 401 and takes no stock; under BASE_PATH it does not exist", async () => {
    const reservation = { order_id: "e2e-noauth", items: [{ product_id: "p002", quantity: 1 }] };
    const body = JSON.stringify(reservation);
    const batch = JSON.stringify({ reservations: [{ request_id: "e2e-noauth", reservation }] });
    for (const [url, sent] of [
      [`${root}/internal/reservations`, body],
      [`${root}/internal/reservations/batch`, batch],
    ] as const) {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: "Bearer wrong-token-wrong-token" },
        { "x-internal-token": "nope" },
      ];
      for (const headers of attempts) {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: sent,
        });
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: string }).error).toBe("unauthorized");
      }
    }
    const release = await fetch(`${root}/internal/reservations/e2e-noauth`, { method: "DELETE" });
    expect(release.status).toBe(401);
    for (const [method, path, sent] of [
      ["POST", "/internal/reservations", body],
      ["POST", "/internal/reservations/batch", batch],
      ["DELETE", "/internal/reservations/e2e-noauth", undefined],
    ] as const) {
      const response = await fetch(`${product.baseUrl}${path}`, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        ...(sent === undefined ? {} : { body: sent }),
      });
      expect(response.status).toBe(404);
    }
    expect(await stock("p002")).toBe(100);
  });

  test("reserves with catalogue prices, replays a repeat, refuses a repeat with other items", async () => {
    const first = await reserve({ order_id: "e2e-1", items: [{ product_id: "p002", quantity: 2 }] });
    expect(first.status).toBe(201);
    const body = await first.json();
    expect(body).toEqual({
      order_id: "e2e-1",
      lines: [
        {
          product_id: "p002",
          name: "Wireless Headphones",
          quantity: 2,
          unit_price_cents: 14999,
          currency: "USD",
        },
      ],
    });
    const repeat = await reserve(
      { order_id: "e2e-1", items: [{ product_id: "p002", quantity: 2 }] },
      { "x-internal-token": TOKEN },
    );
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get("idempotent-replayed")).toBe("true");
    expect(await repeat.json()).toEqual(body);
    const differs = await reserve({ order_id: "e2e-1", items: [{ product_id: "p002", quantity: 3 }] });
    expect(differs.status).toBe(409);
    expect(((await differs.json()) as { error: string }).error).toBe("idempotency_conflict");
    expect(await stock("p002")).toBe(98);
  });

  test("a shortage answers 409 naming every short item and what is left, and takes nothing", async () => {
    const response = await reserve({
      order_id: "e2e-short",
      items: [
        { product_id: "p003", quantity: 1 },
        { product_id: "p004", quantity: 2 },
        { product_id: "p006", quantity: 20 },
      ],
    });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: string; message: string; shortages: unknown[] };
    expect(body.error).toBe("insufficient_stock");
    expect(body.shortages).toEqual([
      { product_id: "p004", name: "Running Shoes", requested: 2, available: 0 },
      { product_id: "p006", name: "Studio Pro Noise-Cancelling Headphones", requested: 20, available: 18 },
    ]);
    expect(body.message).toContain("p004 (Running Shoes): 2 requested, 0 left");
    expect(body.message).toContain("p006 (Studio Pro Noise-Cancelling Headphones): 20 requested, 18 left");
    expect(await stock("p003")).toBe(35);
  });

  test("release restores the stock, idempotently", async () => {
    await reserve({ order_id: "e2e-rel", items: [{ product_id: "p005", quantity: 4 }] });
    expect(await stock("p005")).toBe(71);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const first = await fetch(`${root}/internal/reservations/e2e-rel`, {
      method: "DELETE",
      headers,
    });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      result: "released",
      restored: [{ product_id: "p005", quantity: 4 }],
    });
    const again = await fetch(`${root}/internal/reservations/e2e-rel`, { method: "DELETE", headers });
    expect(await again.json()).toMatchObject({ result: "already_released", restored: [] });
    const unknown = await fetch(`${root}/internal/reservations/never-reserved`, {
      method: "DELETE",
      headers,
    });
    expect(unknown.status).toBe(200);
    expect(((await unknown.json()) as { message: string }).message).toContain("held no reservation");
    expect(await stock("p005")).toBe(75);
  });

  test("a quote prices the items at catalogue prices, names unknown ids, needs the token and takes no stock", async () => {
    const quote = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${root}/internal/quotes`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({
          items: [
            { product_id: "p002", quantity: 2 },
            { product_id: "nope", quantity: 1 },
          ],
        }),
      });
    expect((await quote({})).status).toBe(401);
    const before = await stock("p002");
    const answer = await quote({ authorization: `Bearer ${TOKEN}` });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ total_cents: 29998, currencies: ["USD"], unknown: ["nope"] });
    expect(await stock("p002")).toBe(before);
  });

  test("bad bodies get a 400 that says what is wrong", async () => {
    const cases: [unknown, string][] = [
      ["{not json", "must be JSON"],
      [{ order_id: "x", items: [] }, "at least 1 line"],
      [{ order_id: "x", items: [{ product_id: "p002", quantity: 101 }] }, "at most 100"],
      [{ order_id: "x", items: [{ product_id: "p002", quantity: 1.5 }] }, "whole number"],
      [
        {
          order_id: "x",
          items: [
            { product_id: "p002", quantity: 60 },
            { product_id: "p002", quantity: 41 },
          ],
        },
        "the lines for p002 add up to 101, and at most 100",
      ],
      [
        { order_id: "x", items: Array.from({ length: 21 }, () => ({ product_id: "p002", quantity: 1 })) },
        "at most 20",
      ],
      [
        { order_id: "x", items: [{ product_id: "DROP TABLE", quantity: 1 }] },
        "product_id must look like p002",
      ],
    ];
    for (const [body, expected] of cases) {
      const response = await reserve(body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string; message: string };
      expect(answer.error).toBe("invalid_request");
      expect(answer.message).toContain(expected);
    }
  });
});

test("a product-service bound beyond loopback without INTERNAL_TOKEN refuses to start with one config line", async () => {
  const binary = await binaryPath("product-service");
  const result = Bun.spawnSync([binary, "serve"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOST: "0.0.0.0",
      PORT: "1",
      DATABASE_URL: `sqlite://${join(tempDir(), "never.sqlite")}`,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(result.exitCode).toBe(2);
  const lines = result.stderr
    .toString()
    .split("\n")
    .filter((line) => line.startsWith("config error"));
  expect(lines).toEqual([
    "config error: INTERNAL_TOKEN must be set when HOST (0.0.0.0) is not a loopback address, or INTERNAL_TOKEN_SSM_PARAMETER must name it (it is not set)",
  ]);
});

test("an order-service without INTERNAL_TOKEN refuses to start, naming the variable", async () => {
  const result = await runToExit("order-service", {
    HOST: "127.0.0.1",
    DATABASE_URL: `sqlite://${join(tempDir(), "orders.sqlite")}`,
  });
  expect(result.code).toBe(1);
  expect(`${result.stdout}${result.stderr}`).toContain("INTERNAL_TOKEN is not set");
});
