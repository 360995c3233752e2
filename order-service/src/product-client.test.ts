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
