import { afterEach, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { createLogger, isDomainError } from "service-kit";
import { ProductClient } from "./product-client.ts";

const log = createLogger("error", {}, () => {});
const servers: Server<unknown>[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop(true);
});

interface Seen {
  method: string;
  path: string;
  requestId: string | null;
  authorization: string | null;
  body: unknown;
}

/** A local HTTP server that answers with `answers[n]` for the n-th request (the last one repeats). */
function serve(answers: (() => Response | Promise<Response>)[]): { url: string; seen: Seen[] } {
  const seen: Seen[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      const text = await request.text();
      seen.push({
        method: request.method,
        path: new URL(request.url).pathname,
        requestId: request.headers.get("x-request-id"),
        authorization: request.headers.get("authorization"),
        body: text ? JSON.parse(text) : undefined,
      });
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)] as () =>
        | Response
        | Promise<Response>;
      return answer();
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, seen };
}

function client(
  url: string,
  overrides: { budgetMs?: number; attemptTimeoutMs?: number } = {},
): ProductClient {
  return new ProductClient({
    baseUrl: url,
    token: () => "internal-token-for-tests",
    attemptTimeoutMs: overrides.attemptTimeoutMs ?? 1000,
    budgetMs: overrides.budgetMs ?? 5000,
    baseDelayMs: 20,
    log,
  });
}

const reserved = (): Response =>
  Response.json(
    {
      order_id: "o-1",
      lines: [
        {
          product_id: "p002",
          name: "Wireless Headphones",
          quantity: 2,
          unit_price_cents: 14999,
          currency: "USD",
        },
      ],
    },
    { status: 201 },
  );

describe("ProductClient", () => {
  test("retries 503 and 429 answers, then returns the reservation, with request id and token on every attempt", async () => {
    const { url, seen } = serve([
      () => new Response("down", { status: 503 }),
      () => new Response("slow down", { status: 429 }),
      reserved,
    ]);
    const result = await client(url).reserve("o-1", [{ productId: "p002", quantity: 2 }], "req-42");
    expect(result).toEqual({
      kind: "reserved",
      replayed: false,
      lines: [
        {
          productId: "p002",
          name: "Wireless Headphones",
          quantity: 2,
          unitPriceCents: 14999,
          currency: "USD",
        },
      ],
    });
    expect(seen).toHaveLength(3);
    for (const request of seen) {
      expect(request).toEqual({
        method: "POST",
        path: "/internal/reservations",
        requestId: "req-42",
        authorization: "Bearer internal-token-for-tests",
        body: { order_id: "o-1", items: [{ product_id: "p002", quantity: 2 }] },
      });
    }
  });

  test("does not retry a 4xx answer", async () => {
    const { url, seen } = serve([
      () => Response.json({ error: "unauthorized", message: "no" }, { status: 401 }),
    ]);
    const error = await client(url)
      .reserve("o-1", [{ productId: "p002", quantity: 1 }], "r")
      .catch((caught: unknown) => caught);
    expect(isDomainError(error) && error.message).toContain("HTTP 401");
    expect(seen).toHaveLength(1);
  });

  test("items outside the contract are refused without a call, saying what is wrong", async () => {
    const { url, seen } = serve([reserved]);
    const items = [
      { productId: "p002", quantity: 60 },
      { productId: "p002", quantity: 41 },
    ];
    expect(await client(url).reserve("o-1", items, "r")).toEqual({
      kind: "refused",
      message:
        "The items cannot be reserved: the lines for p002 add up to 101, and at most 100 of one product " +
        "fit in one reservation.",
    });
    expect(seen).toHaveLength(0);
  });

  test("maps a 409 shortage to a short result", async () => {
    const { url } = serve([
      () =>
        Response.json(
          {
            error: "insufficient_stock",
            message: "Not enough stock",
            shortages: [{ product_id: "p004", name: "Running Shoes", requested: 1, available: 0 }],
          },
          { status: 409 },
        ),
    ]);
    expect(await client(url).reserve("o-1", [{ productId: "p004", quantity: 1 }], "r")).toEqual({
      kind: "short",
      shortages: [{ productId: "p004", name: "Running Shoes", requested: 1, available: 0 }],
    });
  });

  test("a server that never answers yields a retryable unavailable error within the budget", async () => {
    const { url, seen } = serve([() => new Promise<Response>(() => {})]);
    const started = performance.now();
    const error = await client(url, { attemptTimeoutMs: 300, budgetMs: 1000 })
      .release("o-1", "r")
      .catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(isDomainError(error) && error.kind).toBe("unavailable");
    expect(isDomainError(error) && error.retryable).toBe(true);
    expect(isDomainError(error) && error.message).toContain("no answer within");
    expect(elapsed).toBeLessThan(1500);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]?.method).toBe("DELETE");
    expect(seen[0]?.path).toBe("/internal/reservations/o-1");
  });

  test("a closed port fails fast with a connection error after bounded retries", async () => {
    const { url } = serve([reserved]);
    await servers.pop()?.stop(true);
    const started = performance.now();
    const error = await client(url)
      .reserve("o-1", [{ productId: "p002", quantity: 1 }], "r")
      .catch((caught: unknown) => caught);
    expect(isDomainError(error) && error.message).toContain("connection failed");
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("ProductClient: reservations made together travel in one request", () => {
  const wireLine = (productId: string) => ({
    product_id: productId,
    name: `Product ${productId}`,
    quantity: 1,
    unit_price_cents: 500,
    currency: "USD",
  });
  const reservedLine = (productId: string) => ({
    productId,
    name: `Product ${productId}`,
    quantity: 1,
    unitPriceCents: 500,
    currency: "USD",
  });
  const reservedWire = (orderId: string, productId: string) => ({
    order_id: orderId,
    lines: [wireLine(productId)],
  });
  const batchAnswer = (results: { status: number; body: unknown }[]) => () => Response.json({ results });
  const single = (orderId: string, productId: string) => () =>
    Response.json(reservedWire(orderId, productId), { status: 201 });
  /** Two reservations in one event-loop turn, as orders whose pending rows shared a commit make them. */
  const reserveTwo = (productClient: ProductClient) =>
    Promise.all([
      productClient.reserve("o-a", [{ productId: "p001", quantity: 1 }], "req-a"),
      productClient.reserve("o-b", [{ productId: "p004", quantity: 1 }], "req-b"),
    ]);

  test("one batch request carries each body with its request id; each caller reads its own answer", async () => {
    const { url, seen } = serve([
      batchAnswer([
        { status: 201, body: reservedWire("o-a", "p001") },
        {
          status: 409,
          body: {
            error: "insufficient_stock",
            message: "Not enough stock",
            order_id: "o-b",
            shortages: [{ product_id: "p004", name: "Running Shoes", requested: 1, available: 0 }],
          },
        },
      ]),
    ]);
    const productClient = client(url);
    const [a, b] = await reserveTwo(productClient);
    expect(a).toEqual({ kind: "reserved", replayed: false, lines: [reservedLine("p001")] });
    expect(b).toEqual({
      kind: "short",
      shortages: [{ productId: "p004", name: "Running Shoes", requested: 1, available: 0 }],
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toBe("/internal/reservations/batch");
    expect(seen[0]?.authorization).toBe("Bearer internal-token-for-tests");
    expect(seen[0]?.body).toEqual({
      reservations: [
        {
          request_id: "req-a",
          reservation: { order_id: "o-a", items: [{ product_id: "p001", quantity: 1 }] },
        },
        {
          request_id: "req-b",
          reservation: { order_id: "o-b", items: [{ product_id: "p004", quantity: 1 }] },
        },
      ],
    });
    expect(productClient.batchCount).toBe(1);
  });

  test("a reservation alone in its turn is sent alone, as before batching", async () => {
    const { url, seen } = serve([single("o-a", "p001")]);
    const productClient = client(url);
    const result = await productClient.reserve("o-a", [{ productId: "p001", quantity: 1 }], "req-a");
    expect(result).toEqual({ kind: "reserved", replayed: false, lines: [reservedLine("p001")] });
    expect(seen.map((request) => [request.path, request.requestId])).toEqual([
      ["/internal/reservations", "req-a"],
    ]);
    expect(productClient.batchCount).toBe(0);
  });

  test("a product-service without the batch route (404): they go one by one, and so do the next ones", async () => {
    const { url, seen } = serve([
      () => Response.json({ error: "not_found", message: "No such route" }, { status: 404 }),
      single("o-a", "p001"),
      single("o-b", "p004"),
      single("o-a", "p001"),
      single("o-b", "p004"),
    ]);
    const productClient = client(url);
    for (let round = 0; round < 2; round++) {
      const results = await reserveTwo(productClient);
      expect(results.map((result) => result.kind)).toEqual(["reserved", "reserved"]);
    }
    expect(seen.map((request) => request.path)).toEqual([
      "/internal/reservations/batch",
      "/internal/reservations",
      "/internal/reservations",
      "/internal/reservations",
      "/internal/reservations",
    ]);
    // Sent side by side, so they may arrive in either order.
    const ids = (from: number) =>
      seen
        .slice(from, from + 2)
        .map((request) => request.requestId)
        .sort();
    expect([ids(1), ids(3)]).toEqual([
      ["req-a", "req-b"],
      ["req-a", "req-b"],
    ]);
  });

  test("a batch answered 503 is sent again whole, then each caller gets its answer", async () => {
    const { url, seen } = serve([
      () => new Response("down", { status: 503 }),
      batchAnswer([
        { status: 201, body: reservedWire("o-a", "p001") },
        { status: 200, body: reservedWire("o-b", "p004") },
      ]),
    ]);
    const [a, b] = await reserveTwo(client(url));
    expect(a).toEqual({ kind: "reserved", replayed: false, lines: [reservedLine("p001")] });
    expect(b).toEqual({ kind: "reserved", replayed: true, lines: [reservedLine("p004")] });
    expect(seen.map((request) => request.path)).toEqual([
      "/internal/reservations/batch",
      "/internal/reservations/batch",
    ]);
    expect(seen[1]?.body).toEqual(seen[0]?.body);
  });

  test("a batch answer that does not match the batch fails every caller as unavailable, naming the answer", async () => {
    const { url } = serve([batchAnswer([{ status: 201, body: reservedWire("o-a", "p001") }])]);
    const productClient = client(url);
    const outcomes = await Promise.allSettled([
      productClient.reserve("o-a", [{ productId: "p001", quantity: 1 }], "req-a"),
      productClient.reserve("o-b", [{ productId: "p004", quantity: 1 }], "req-b"),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
    for (const outcome of outcomes) {
      const reason = outcome.status === "rejected" ? outcome.reason : undefined;
      expect(isDomainError(reason) && reason.kind).toBe("unavailable");
      expect(isDomainError(reason) && reason.message).toContain("unexpected answer (HTTP 200)");
    }
  });
});
