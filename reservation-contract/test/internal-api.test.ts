/**
 * The contract test: product-service's real internal routes, on a real migrated SQLite catalogue,
 * answer every case with bodies that the shared schemas (the ones order-service's client reads with)
 * parse, and that encode back to exactly what was sent: no field is missing, none is extra.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger, type Database, type KitRoute } from "service-kit";
import { newRequestContext } from "service-kit/testing";
import type { z } from "zod";
import { Catalog } from "../../product-service/src/catalog/catalog.ts";
import { internalRoutes } from "../../product-service/src/internal.ts";
import { Reservations } from "../../product-service/src/reservations/reservations.ts";
import { demoCatalog, productService } from "../../product-service/src/service.ts";
import { openTestDatabase } from "../../test/support/database.ts";
import {
  aboveLimitBody,
  describeShortages,
  insufficientStockBody,
  quoteRequest,
  quoteResponse,
  type RequestedItem,
  releaseResponse,
  reservedResponse,
  reserveRequest,
} from "../src/index.ts";
import { problemBody } from "../src/wire.ts";

let db: Database;
let routes: KitRoute[];

/** product-service's internal routes on a fresh migrated SQLite database with the demo catalogue. */
async function openRoutes(): Promise<{ db: Database; routes: KitRoute[] }> {
  const opened = await openTestDatabase(productService.migrations);
  const catalog = new Catalog(opened.sql);
  await catalog.import(demoCatalog);
  const log = createLogger("error", {}, () => {});
  return { db: opened, routes: internalRoutes({ reservations: new Reservations(opened), catalog, log }) };
}

beforeAll(async () => {
  ({ db, routes } = await openRoutes());
});

afterAll(() => db.close());

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(method: "POST" | "DELETE", path: string, body?: string, on = routes): Promise<Answer> {
  const pattern = method === "POST" ? path : "/internal/reservations/:order_id";
  const route = on.find((candidate) => candidate.method === method && candidate.path === pattern);
  if (!route) throw new Error(`product-service has no route ${method} ${pattern}`);
  const request = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body,
  });
  const response = await route.handle(request, newRequestContext(request));
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** As order-service's ProductClient sends it: encoded from domain items by the shared schema. */
function reserve(orderId: string, items: RequestedItem[], maxTotalCents?: number): Promise<Answer> {
  const body = {
    order_id: orderId,
    items,
    ...(maxTotalCents === undefined ? {} : { max_total_cents: maxTotalCents }),
  };
  return call("POST", "/internal/reservations", JSON.stringify(reserveRequest.encode(body)));
}

/** Parses with the shared schema and checks that encoding the result gives back the exact body. */
function read<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.parse(body);
  expect(schema.encode(parsed)).toEqual(body as z.input<S>);
  return parsed;
}

describe("POST /internal/reservations", () => {
  test("a reservation answers 201 with the reserved lines, and a repeat replays them with 200", async () => {
    const first = await reserve("contract-1", [
      { productId: "p002", quantity: 2 },
      { productId: "p001", quantity: 1 },
    ]);
    expect(first.status).toBe(201);
    const reserved = read(reservedResponse, first.body);
    expect(reserved.order_id).toBe("contract-1");
    expect(reserved.lines.map((line) => [line.productId, line.quantity, line.currency])).toEqual([
      ["p001", 1, "USD"],
      ["p002", 2, "USD"],
    ]);
    expect(
      reserved.lines.every((line) => Number.isInteger(line.unitPriceCents) && line.name.length > 0),
    ).toBe(true);
    const repeat = await reserve("contract-1", [
      { productId: "p001", quantity: 1 },
      { productId: "p002", quantity: 2 },
    ]);
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get("idempotent-replayed")).toBe("true");
    expect(read(reservedResponse, repeat.body)).toEqual(reserved);
  });

  test("a capped reservation above its cap answers 409 above_limit with the total and reserves nothing; within it, 201", async () => {
    const items = [{ productId: "p002", quantity: 2 }];
    const above = await reserve("contract-capped", items, 29_997);
    expect(above.status).toBe(409);
    const body = read(aboveLimitBody, above.body);
    expect(body.total_cents).toBe(29_998);
    expect(body.order_id).toBe("contract-capped");
    expect(body.message).toContain("nothing was reserved");
    // Nothing is held under the order id: the same order within a cap is reserved.
    const within = await reserve("contract-capped", items, 29_998);
    expect(within.status).toBe(201);
    expect(read(reservedResponse, within.body).lines).toHaveLength(1);
    // A replay is answered as it was made, whatever the cap now.
    const replay = await reserve("contract-capped", items, 0);
    expect(replay.status).toBe(200);
    const bad = await call(
      "POST",
      "/internal/reservations",
      JSON.stringify({
        order_id: "contract-bad-cap",
        items: [{ product_id: "p002", quantity: 1 }],
        max_total_cents: -1,
      }),
    );
    expect(bad.status).toBe(400);
    expect(read(problemBody, bad.body).message).toContain("max_total_cents must be 0 or more");
  });

  test("a shortage answers 409 with every short item, unknown ids with a null name", async () => {
    const answer = await reserve("contract-short", [
      { productId: "p004", quantity: 2 },
      { productId: "p999", quantity: 1 },
    ]);
    expect(answer.status).toBe(409);
    const short = read(insufficientStockBody, answer.body);
    expect(short.shortages).toEqual([
      { productId: "p004", name: "Running Shoes", requested: 2, available: 0 },
      { productId: "p999", name: null, requested: 1, available: 0 },
    ]);
    expect(short.message).toBe(
      `Not enough stock, nothing was reserved: ${describeShortages(short.shortages)}.`,
    );
  });

  test("refusals are problem bodies: mixed currencies, other items, a released order, bad bodies", async () => {
    await db.sql`UPDATE products SET currency = 'EUR' WHERE id = 'p003'`;
    const mixed = await reserve("contract-mixed", [
      { productId: "p002", quantity: 1 },
      { productId: "p003", quantity: 1 },
    ]);
    await db.sql`UPDATE products SET currency = 'USD' WHERE id = 'p003'`;
    expect([mixed.status, read(problemBody, mixed.body).error]).toEqual([400, "mixed_currencies"]);

    const differs = await reserve("contract-1", [{ productId: "p002", quantity: 3 }]);
    expect([differs.status, read(problemBody, differs.body).error]).toEqual([409, "idempotency_conflict"]);

    await call("DELETE", "/internal/reservations/contract-late");
    const late = await reserve("contract-late", [{ productId: "p002", quantity: 1 }]);
    expect([late.status, read(problemBody, late.body).error]).toEqual([409, "reservation_released"]);

    for (const body of [
      "{not json",
      JSON.stringify({ order_id: "x", items: [{ product_id: "p002", quantity: 101 }] }),
      JSON.stringify({ order_id: "x", items: [{ product_id: "DROP TABLE", quantity: 1 }] }),
      // 100 per product, however many lines name it: a release must be able to report what it gave back.
      JSON.stringify({
        order_id: "x",
        items: [
          { product_id: "p002", quantity: 60 },
          { product_id: "p002", quantity: 41 },
        ],
      }),
    ]) {
      const bad = await call("POST", "/internal/reservations", body);
      expect([bad.status, read(problemBody, bad.body).error]).toEqual([400, "invalid_request"]);
    }
  });
});

describe("POST /internal/reservations/batch", () => {
  /** One of each answer the single route gives, on orders and products no other test here touches. */
  const entries = [
    { order_id: "batch-new", items: [{ product_id: "p006", quantity: 2 }] },
    { order_id: "batch-earlier", items: [{ product_id: "p007", quantity: 1 }] },
    { order_id: "batch-short", items: [{ product_id: "p004", quantity: 1 }] },
    { order_id: "batch-unknown", items: [{ product_id: "p998", quantity: 1 }] },
    { order_id: "batch-capped", items: [{ product_id: "p008", quantity: 1 }], max_total_cents: 1 },
    { order_id: "batch-other-items", items: [{ product_id: "p006", quantity: 1 }] },
    { order_id: "bad id!", items: [{ product_id: "p006", quantity: 1 }] },
    { order_id: "batch-no-items", items: [] },
    "not an object",
  ];
  /** Before the batch: an order reserved earlier (replayed) and one with other items (a conflict). */
  const before = [
    { order_id: "batch-earlier", items: [{ product_id: "p007", quantity: 1 }] },
    { order_id: "batch-other-items", items: [{ product_id: "p009", quantity: 1 }] },
  ];
  const postBatch = (body: unknown, on = routes) =>
    call("POST", "/internal/reservations/batch", typeof body === "string" ? body : JSON.stringify(body), on);

  test("each entry gets the status and body the single route gives it alone, in order, and the stock agrees", async () => {
    const alone = await openRoutes();
    try {
      for (const body of before) {
        await call("POST", "/internal/reservations", JSON.stringify(body));
        await call("POST", "/internal/reservations", JSON.stringify(body), alone.routes);
      }
      const expected: { status: number; body: unknown }[] = [];
      for (const entry of entries) {
        const answer = await call("POST", "/internal/reservations", JSON.stringify(entry), alone.routes);
        expected.push({ status: answer.status, body: answer.body });
      }
      const batch = await postBatch({
        reservations: entries.map((reservation, index) => ({ request_id: `req-${index}`, reservation })),
      });
      expect(batch.status).toBe(200);
      expect(batch.body).toEqual({ results: expected });
      expect(expected.map((answer) => answer.status)).toEqual([201, 200, 409, 409, 409, 409, 400, 400, 400]);
      const stockOf = async (on: Database) =>
        (await on.sql`SELECT id, stock FROM products WHERE id IN ('p004', 'p006', 'p007', 'p008', 'p009') ORDER BY id`) as unknown[];
      expect(await stockOf(db)).toEqual(await stockOf(alone.db));
    } finally {
      await alone.db.close();
    }
  });

  test("a bad envelope is a 400 that says what is wrong, and reserves nothing", async () => {
    const [stockBefore] = (await db.sql`SELECT stock FROM products WHERE id = 'p010'`) as { stock: number }[];
    const one = { order_id: "batch-envelope", items: [{ product_id: "p010", quantity: 1 }] };
    const cases: [unknown, string][] = [
      ["{not json", "The body must be JSON: {reservations: [{request_id, reservation}]}."],
      [{ reservations: [] }, "reservations must hold at least 1 entry (at reservations)."],
      [
        { reservations: Array.from({ length: 65 }, () => ({ request_id: "r", reservation: one })) },
        "reservations must hold at most 64 entries (at reservations).",
      ],
      [
        { reservations: [{ request_id: "no spaces allowed", reservation: one }] },
        "request_id must be 1-128 letters, digits, '.', '_', ':' or '-' (at reservations.0.request_id).",
      ],
      [
        { reservations: one },
        "reservations must be an array of {request_id, reservation} (at reservations).",
      ],
    ];
    for (const [body, message] of cases) {
      const answer = await postBatch(body);
      expect(answer.status).toBe(400);
      expect(read(problemBody, answer.body)).toEqual({ error: "invalid_request", message });
    }
    const [stockAfter] = (await db.sql`SELECT stock FROM products WHERE id = 'p010'`) as { stock: number }[];
    expect(stockAfter).toEqual(stockBefore);
  });
});

describe("DELETE /internal/reservations/{order_id}", () => {
  test("release gives the stock back once, then says so; an unknown order is blocked", async () => {
    await reserve("contract-rel", [{ productId: "p005", quantity: 4 }]);
    const first = await call("DELETE", "/internal/reservations/contract-rel");
    expect(first.status).toBe(200);
    expect(read(releaseResponse, first.body)).toMatchObject({
      order_id: "contract-rel",
      result: "released",
      restored: [{ productId: "p005", quantity: 4 }],
    });
    const again = await call("DELETE", "/internal/reservations/contract-rel");
    expect(read(releaseResponse, again.body)).toMatchObject({ result: "already_released", restored: [] });
    const unknown = await call("DELETE", "/internal/reservations/contract-never");
    expect(read(releaseResponse, unknown.body).result).toBe("unknown");
  });

  test("a malformed order id is a 400 problem body", async () => {
    const bad = await call("DELETE", "/internal/reservations/%E0%A4%A");
    expect([bad.status, read(problemBody, bad.body).error]).toEqual([400, "invalid_request"]);
    const tooLong = await call("DELETE", `/internal/reservations/${"x".repeat(101)}`);
    expect([tooLong.status, read(problemBody, tooLong.body).error]).toEqual([400, "invalid_request"]);
  });
});

describe("POST /internal/quotes", () => {
  const quote = (items: RequestedItem[]): Promise<Answer> =>
    call("POST", "/internal/quotes", JSON.stringify(quoteRequest.encode({ items })));

  test("prices items at catalogue prices, names unknown ids and currencies, and reserves nothing", async () => {
    const [before] = (await db.sql`SELECT stock FROM products WHERE id = 'p006'`) as { stock: number }[];
    const answer = await quote([
      { productId: "p006", quantity: 3 },
      { productId: "p998", quantity: 1 },
    ]);
    expect(answer.status).toBe(200);
    const [product] = (await db.sql`SELECT price_cents, stock FROM products WHERE id = 'p006'`) as {
      price_cents: number;
      stock: number;
    }[];
    expect(read(quoteResponse, answer.body)).toEqual({
      totalCents: (product?.price_cents ?? Number.NaN) * 3,
      currencies: ["USD"],
      unknownIds: ["p998"],
    });
    expect(product?.stock).toBe(before?.stock);
  });

  test("bad items are a 400 problem body", async () => {
    const bad = await call("POST", "/internal/quotes", JSON.stringify({ items: [{ product_id: "p002" }] }));
    expect([bad.status, read(problemBody, bad.body).error]).toEqual([400, "invalid_request"]);
  });
});
