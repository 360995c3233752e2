import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createLogger, type Database, isDomainError } from "service-kit";
import { openTestDatabase } from "../../../test/support/database.ts";
import { InProcessCatalogue } from "../../../test/support/in-process-catalogue.ts";
import { unusedPort } from "../../../test/support/service-process.ts";
import { ProductClient } from "../product-client.ts";
import { orderService } from "../service.ts";
import { OrderRepository } from "./order-repository.ts";
import { Orders } from "./orders.ts";
import { Reconciler } from "./reconciler.ts";
import type { Order } from "./types.ts";

let db: Database;
let catalogue: InProcessCatalogue;
let repository: OrderRepository;
let orders: Orders;
const events: { confirmed: string[]; rejected: string[] } = { confirmed: [], rejected: [] };
const logLines: string[] = [];
const log = createLogger("debug", {}, (line) => logLines.push(line));
const recorder = {
  confirmed: (order: Order) => events.confirmed.push(order.id),
  rejected: (order: Order) => events.rejected.push(order.id),
};

/** A real ProductClient aimed at a loopback port nobody listens on: product-service is "down". */
async function unreachableGateway(): Promise<ProductClient> {
  const port = await unusedPort();
  return new ProductClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: () => undefined,
    attemptTimeoutMs: 200,
    budgetMs: 400,
    log,
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

beforeEach(async () => {
  db = await openTestDatabase(orderService.migrations);
  catalogue = await InProcessCatalogue.open();
  repository = new OrderRepository(db);
  orders = new Orders(repository, catalogue, recorder, log);
  events.confirmed = [];
  events.rejected = [];
});

afterEach(async () => {
  await db.close();
  await catalogue.db.close();
});

describe("create", () => {
  test("confirms with catalogue prices and takes the stock", async () => {
    const order = await orders.create(
      "alice",
      { items: [{ productId: "p002", quantity: 2 }], note: "gift" },
      "r1",
    );
    expect(order.status).toBe("confirmed");
    expect(order.totalCents).toBe(29998);
    expect(order.currency).toBe("USD");
    expect(order.note).toBe("gift");
    expect(order.lines).toEqual([
      { productId: "p002", quantity: 2, name: "Wireless Headphones", unitPriceCents: 14999 },
    ]);
    expect(await catalogue.stock("p002")).toBe(98);
    expect(events.confirmed).toEqual([order.id]);
  });

  test("the order answered without reading it back is exactly the order stored", async () => {
    const items = [
      { productId: "p003", quantity: 1 },
      { productId: "p002", quantity: 2 },
      { productId: "p003", quantity: 2 },
    ];
    const confirmed = await orders.create("alice", { items, note: "two lines", idempotencyKey: "k-s" }, "r1");
    expect(confirmed.status).toBe("confirmed");
    expect(confirmed).toEqual(await orders.get("alice", confirmed.id));

    const { order: pending, created } = await repository.insertPending({
      id: "ord-written-not-read",
      principal: "alice",
      idempotencyKey: null,
      itemsFingerprint: "p002:1",
      note: null,
      maxTotalCents: null,
      items: [{ productId: "p002", quantity: 1 }],
      createdAt: new Date().toISOString(),
    });
    expect(created).toBe(true);
    expect(pending).toEqual((await repository.find("alice", "ord-written-not-read")) as Order);
  });

  test("a short item rejects the order, names every short item and takes nothing", async () => {
    const order = await orders.create(
      "alice",
      {
        items: [
          { productId: "p002", quantity: 1 },
          { productId: "p004", quantity: 1 },
          { productId: "p999", quantity: 2 },
        ],
      },
      "r1",
    );
    expect(order.status).toBe("rejected");
    expect(order.rejectionReason).toBe(
      "Not enough stock: p004 (Running Shoes): 1 requested, 0 left; p999 does not exist.",
    );
    expect(order.totalCents).toBeNull();
    expect(await catalogue.stock("p002")).toBe(100);
    expect(events.rejected).toEqual([order.id]);
  });

  test("items priced in two currencies reject the order, naming the currencies, and take nothing", async () => {
    await catalogue.db.sql`UPDATE products SET currency = 'EUR' WHERE id IN ('p003', 'p005')`;
    const order = await orders.create(
      "alice",
      {
        items: [
          { productId: "p005", quantity: 1 },
          { productId: "p002", quantity: 1 },
          { productId: "p003", quantity: 1 },
        ],
      },
      "r1",
    );
    expect(order.status).toBe("rejected");
    expect(order.rejectionReason).toBe(
      "The catalogue refused the items: The items are priced in 2 currencies, EUR (p003, p005) and USD " +
        "(p002), and one order is paid in one currency. Place one order per currency.",
    );
    expect(order.totalCents).toBeNull();
    expect([await catalogue.stock("p002"), await catalogue.stock("p003")]).toEqual([100, 35]);
    expect(events.rejected).toEqual([order.id]);
  });

  test("a reservation already held in two currencies is given back and the order rejected, not mis-totalled", async () => {
    // Held before the catalogue refused mixes: the lines come back priced in USD and EUR.
    const { order } = await repository.insertPending({
      id: "ord-mixed-legacy",
      principal: "alice",
      idempotencyKey: null,
      itemsFingerprint: "p002:1,p003:1",
      note: null,
      maxTotalCents: null,
      items: [
        { productId: "p002", quantity: 1 },
        { productId: "p003", quantity: 1 },
      ],
      createdAt: new Date().toISOString(),
    });
    await catalogue.reserve(order.id, order.lines);
    await catalogue.db.sql`UPDATE reservation_lines SET currency = 'EUR' WHERE product_id = 'p003'`;
    expect(await catalogue.stock("p002")).toBe(99);

    const settled = (await orders.settle(order, "r1")) as Order;
    expect(settled.status).toBe("rejected");
    expect(settled.rejectionReason).toContain("2 currencies, EUR (p003) and USD (p002)");
    expect(settled.totalCents).toBeNull();
    expect([await catalogue.stock("p002"), await catalogue.stock("p003")]).toEqual([100, 35]);
  });

  test("the same idempotency key returns the first order, even when sent concurrently", async () => {
    const request = { items: [{ productId: "p002", quantity: 1 }], idempotencyKey: "k-1" };
    const [a, b, c] = await Promise.all([
      orders.create("alice", request, "r1"),
      orders.create("alice", request, "r2"),
      orders.create("alice", request, "r3"),
    ]);
    expect(new Set([a?.id, b?.id, c?.id]).size).toBe(1);
    expect(a?.status).toBe("confirmed");
    expect(await catalogue.stock("p002")).toBe(99);
    expect((await orders.list("alice", { limit: 50 })).orders).toHaveLength(1);
    // Another principal's identical key is another order.
    const bob = await orders.create("bob", request, "r4");
    expect(bob.id).not.toBe(a?.id);
  });

  test("reusing a key for other items is a conflict that says what to do", async () => {
    await orders.create(
      "alice",
      { items: [{ productId: "p002", quantity: 1 }], idempotencyKey: "k-2" },
      "r1",
    );
    const error = await rejectionOf(
      orders.create("alice", { items: [{ productId: "p002", quantity: 3 }], idempotencyKey: "k-2" }, "r2"),
    );
    expect(isDomainError(error) && error.kind).toBe("conflict");
    expect(error.message).toContain("Use a new idempotency_key");
  });

  test("product-service down: the order stays pending and the error is retryable only with a key", async () => {
    const down = new Orders(repository, await unreachableGateway(), recorder, log);
    const started = Date.now();
    const withKey = await rejectionOf(
      down.create("alice", { items: [{ productId: "p002", quantity: 2 }], idempotencyKey: "k-3" }, "r1"),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(isDomainError(withKey) && withKey.retryable).toBe(true);
    expect(withKey.message).toContain('Retry create_order with the same idempotency_key ("k-3")');
    const withoutKey = await rejectionOf(
      down.create("alice", { items: [{ productId: "p003", quantity: 1 }] }, "r2"),
    );
    expect(isDomainError(withoutKey) && withoutKey.retryable).toBe(false);
    expect(withoutKey.message).toContain("Do not call create_order again");
    const pending = (await orders.list("alice", { limit: 10 })).orders;
    expect(pending.map((order) => order.status)).toEqual(["pending", "pending"]);

    // Retrying with the key once product-service answers finishes the same order.
    const retried = await orders.create(
      "alice",
      { items: [{ productId: "p002", quantity: 2 }], idempotencyKey: "k-3" },
      "r3",
    );
    expect(retried.status).toBe("confirmed");
    expect(retried.totalCents).toBe(29998);
    expect(await catalogue.stock("p002")).toBe(98);
  });
});

describe("reconciler", () => {
  test("finishes old pending orders: confirms what fits, rejects what is short, leaves young ones", async () => {
    const down = new Orders(repository, await unreachableGateway(), recorder, log);
    await rejectionOf(down.create("alice", { items: [{ productId: "p002", quantity: 3 }] }, "r1"));
    await rejectionOf(down.create("bob", { items: [{ productId: "p004", quantity: 1 }] }, "r2"));
    await Bun.sleep(1100);
    await rejectionOf(down.create("carol", { items: [{ productId: "p005", quantity: 1 }] }, "r3"));

    const reconciler = new Reconciler(orders, repository, log, { afterSeconds: 1, intervalSeconds: 60 });
    expect(await reconciler.runOnce()).toEqual({
      confirmed: 1,
      rejected: 1,
      cancelled: 0,
      dropped: 0,
      stillPending: 0,
    });
    expect((await orders.list("alice", { limit: 5 })).orders[0]?.status).toBe("confirmed");
    expect((await orders.list("bob", { limit: 5 })).orders[0]?.status).toBe("rejected");
    expect((await orders.list("carol", { limit: 5 })).orders[0]?.status).toBe("pending");
    expect(await catalogue.stock("p002")).toBe(97);
    expect(await catalogue.stock("p005")).toBe(75);
    await reconciler.stop();
  });

  test("keeps orders pending and logs while product-service stays down", async () => {
    const down = new Orders(repository, await unreachableGateway(), recorder, log);
    await rejectionOf(down.create("alice", { items: [{ productId: "p002", quantity: 1 }] }, "r1"));
    await Bun.sleep(1100);
    const reconciler = new Reconciler(down, repository, log, { afterSeconds: 1, intervalSeconds: 60 });
    expect(await reconciler.runOnce()).toEqual({
      confirmed: 0,
      rejected: 0,
      cancelled: 0,
      dropped: 0,
      stillPending: 1,
    });
    expect(logLines.some((line) => line.includes("order still pending"))).toBe(true);
  });
});

describe("get, list and cancel", () => {
  test("orders never cross principals", async () => {
    const order = await orders.create("alice", { items: [{ productId: "p002", quantity: 1 }] }, "r1");
    expect((await orders.get("alice", order.id)).id).toBe(order.id);
    const error = await rejectionOf(orders.get("bob", order.id));
    expect(error.message).toContain("Use list_orders");
    expect((await orders.list("bob", { limit: 10 })).orders).toEqual([]);
    expect(await rejectionOf(orders.cancel("bob", order.id, "r2"))).toHaveProperty("kind", "not_found");
    expect(await catalogue.stock("p002")).toBe(99);
  });

  test("lists newest first with an opaque cursor and a status filter", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push(
        (await orders.create("alice", { items: [{ productId: "p003", quantity: 1 }] }, `r${index}`)).id,
      );
    }
    await orders.create("alice", { items: [{ productId: "p004", quantity: 1 }] }, "r-short");
    const first = await orders.list("alice", { status: "confirmed", limit: 2 });
    expect(first.orders.map((order) => order.id)).toEqual(ids.toReversed().slice(0, 2));
    expect(first.nextCursor).not.toBeNull();
    const second = await orders.list("alice", {
      status: "confirmed",
      limit: 2,
      cursor: first.nextCursor ?? "",
    });
    expect(second.orders.map((order) => order.id)).toEqual(ids.toReversed().slice(2, 4));
    const third = await orders.list("alice", {
      status: "confirmed",
      limit: 2,
      cursor: second.nextCursor ?? "",
    });
    expect(third.orders.map((order) => order.id)).toEqual(ids.slice(0, 1));
    expect(third.nextCursor).toBeNull();
    expect((await orders.list("alice", { status: "rejected", limit: 10 })).orders).toHaveLength(1);
    const misuse = await rejectionOf(orders.list("alice", { limit: 2, cursor: first.nextCursor ?? "" }));
    expect(misuse.message).toContain("without a cursor");
  });

  test("a forged list cursor whose order id no order can have is refused before SQL", async () => {
    for (const b of ["ord-1\u0000", "x".repeat(101), "' OR 1=1 --"]) {
      const cursor = Buffer.from(JSON.stringify({ b, s: null })).toString("base64url");
      const refused = await rejectionOf(orders.list("alice", { limit: 2, cursor }));
      expect(refused.message).toContain("without a cursor");
    }
  });

  test("cancel releases the stock once; a second cancel changes nothing; rejected orders refuse", async () => {
    const order = await orders.create("alice", { items: [{ productId: "p002", quantity: 5 }] }, "r1");
    expect(await catalogue.stock("p002")).toBe(95);
    const cancelled = await orders.cancel("alice", order.id, "r2");
    expect(cancelled.status).toBe("cancelled");
    expect(await catalogue.stock("p002")).toBe(100);
    const again = await orders.cancel("alice", order.id, "r3");
    expect(again).toEqual(cancelled);
    expect(await catalogue.stock("p002")).toBe(100);

    const rejected = await orders.create("alice", { items: [{ productId: "p004", quantity: 1 }] }, "r4");
    const error = await rejectionOf(orders.cancel("alice", rejected.id, "r5"));
    expect(error.message).toContain("was rejected");
  });

  test("cancelling a pending order blocks its late reservation, so no stock leaks", async () => {
    const down = new Orders(repository, await unreachableGateway(), recorder, log);
    await rejectionOf(
      down.create("alice", { items: [{ productId: "p002", quantity: 2 }], idempotencyKey: "k" }, "r1"),
    );
    const pending = (await orders.list("alice", { limit: 1 })).orders[0] as Order;
    const cancelled = await orders.cancel("alice", pending.id, "r2");
    expect(cancelled.status).toBe("cancelled");
    // The reconciler or a retry now tries the reservation: it must not take stock.
    const settled = (await orders.settle(pending, "r3")) as Order;
    expect(settled.status).toBe("cancelled");
    expect(await catalogue.stock("p002")).toBe(100);
  });
});
