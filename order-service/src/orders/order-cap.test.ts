/**
 * Orders the user has not confirmed carry a cap: one call to the catalogue prices and reserves them,
 * within the cap only. Above it nothing is reserved and nothing is stored, whoever settles the order
 * (the call itself, the reconciler) and whichever product-service answers (one from before the cap
 * reserves regardless: the reservation is given back).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createLogger, type Database, isDomainError } from "service-kit";
import { openTestDatabase } from "../../../test/support/database.ts";
import { InProcessCatalogue } from "../../../test/support/in-process-catalogue.ts";
import { ProductClient } from "../product-client.ts";
import { orderService } from "../service.ts";
import { OrderRepository } from "./order-repository.ts";
import { Orders } from "./orders.ts";
import { Reconciler } from "./reconciler.ts";
import type { ReservationGateway, ReservationResult } from "./reservation-gateway.ts";
import type { OrderItem } from "./types.ts";

let db: Database;
let catalogue: InProcessCatalogue;
let repository: OrderRepository;
let orders: Orders;
const log = createLogger("error", {}, () => {});
const events = { confirmed: () => {}, rejected: () => {} };
/** p002 costs 149.99: one unit is within a 200.00 cap, two are above it. */
const CAP = 20_000;
const TWO = [{ productId: "p002", quantity: 2 }];

/**
 * The catalogue as a product-service from before the cap answers: the same Reservations domain, but
 * max_total_cents is dropped on the way in (zod strips keys it does not know), so it reserves anyway.
 */
class CatalogueBeforeTheCap implements ReservationGateway {
  constructor(private readonly current: InProcessCatalogue) {}
  reserve(orderId: string, items: readonly OrderItem[], requestId: string): Promise<ReservationResult> {
    return this.current.reserve(orderId, items, requestId);
  }
  release(orderId: string): Promise<void> {
    return this.current.release(orderId);
  }
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
  orders = new Orders(repository, catalogue, events, log);
});

afterEach(async () => {
  await db.close();
  await catalogue.db.close();
});

describe("place with a cap", () => {
  test("within the cap: priced and reserved in one catalogue call, confirmed", async () => {
    const placed = await orders.place(
      "alice",
      { items: [{ productId: "p002", quantity: 1 }], maxTotalCents: CAP },
      "r1",
    );
    expect(placed.kind).toBe("placed");
    expect(placed.kind === "placed" && placed.order.status).toBe("confirmed");
    expect(catalogue.calls).toBe(1);
    expect(await catalogue.stock("p002")).toBe(99);
  });

  test("above the cap: the total comes back, nothing is reserved and nothing is stored", async () => {
    const placed = await orders.place("alice", { items: TWO, idempotencyKey: "k", maxTotalCents: CAP }, "r1");
    expect(placed).toEqual({ kind: "above_limit", totalCents: 29_998 });
    expect(await catalogue.stock("p002")).toBe(100);
    expect((await orders.list("alice", { limit: 10 })).orders).toEqual([]);
    // Once the user confirms, the same key places the order.
    const confirmed = await orders.create("alice", { items: TWO, idempotencyKey: "k" }, "r2");
    expect(confirmed.status).toBe("confirmed");
    expect(confirmed.totalCents).toBe(29_998);
    expect(await catalogue.stock("p002")).toBe(98);
  });

  test("a product-service from before the cap reserves anyway: the stock is given back, nothing is stored", async () => {
    const mixedFleet = new Orders(repository, new CatalogueBeforeTheCap(catalogue), events, log);
    const placed = await mixedFleet.place("alice", { items: TWO, maxTotalCents: CAP }, "r1");
    expect(placed).toEqual({ kind: "above_limit", totalCents: 29_998 });
    expect(await catalogue.stock("p002")).toBe(100);
    expect((await orders.list("alice", { limit: 10 })).orders).toEqual([]);
    // Within the cap it places as before.
    const small = await mixedFleet.place(
      "alice",
      { items: [{ productId: "p002", quantity: 1 }], maxTotalCents: CAP },
      "r2",
    );
    expect(small.kind === "placed" && small.order.status).toBe("confirmed");
    expect(await catalogue.stock("p002")).toBe(99);
  });

  test("catalogue refusing connections: nothing is stored; no answer in time: kept pending within its cap", async () => {
    const refused = new ProductClient({
      baseUrl: "http://127.0.0.1:9",
      token: () => undefined,
      attemptTimeoutMs: 100,
      budgetMs: 300,
      log,
    });
    const down = new Orders(repository, refused, events, log);
    const error = await rejectionOf(down.place("alice", { items: TWO, maxTotalCents: CAP }, "r1"));
    expect(isDomainError(error) && error.retryable).toBe(true);
    expect(error.message).toContain("could not be reached to price this order, so nothing was ordered");
    expect((await orders.list("alice", { limit: 10 })).orders).toEqual([]);

    // A catalogue that takes the request and never answers may have reserved: the order stays pending,
    // with its cap, for a retry or the reconciler.
    const silent = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Promise<Response>(() => {}),
    });
    try {
      const slow = new ProductClient({
        baseUrl: `http://127.0.0.1:${silent.port}`,
        token: () => undefined,
        attemptTimeoutMs: 100,
        budgetMs: 300,
        log,
      });
      const hung = new Orders(repository, slow, events, log);
      const timedOut = await rejectionOf(hung.place("alice", { items: TWO, maxTotalCents: CAP }, "r2"));
      expect(timedOut.message).toContain("is saved as pending");
      expect(timedOut.message).toContain("or withdrawn if its total needs the user's confirmation");
    } finally {
      silent.stop(true);
    }
    const [pending] = (await orders.list("alice", { limit: 10 })).orders;
    expect(pending?.status).toBe("pending");
    expect(pending?.maxTotalCents).toBe(CAP);
  });
});

describe("a confirmed call racing an unconfirmed one with the same key", () => {
  test("if the unconfirmed call withdrew the order while the stock was reserved, the stock is given back", async () => {
    // The unconfirmed call's drop lands between this call's reservation and its confirm.
    const racing: ReservationGateway = {
      reserve: async (orderId, items, requestId, maxTotalCents) => {
        const result = await catalogue.reserve(orderId, items, requestId, maxTotalCents);
        await repository.dropPending(orderId);
        return result;
      },
      release: (orderId) => catalogue.release(orderId),
    };
    const raced = new Orders(repository, racing, events, log);
    const error = await rejectionOf(raced.create("alice", { items: TWO, idempotencyKey: "k-race" }, "r1"));
    expect(isDomainError(error) && error.kind).toBe("conflict");
    expect(isDomainError(error) && error.retryable).toBe(true);
    expect(error.message).toContain("nothing was ordered");
    expect(await catalogue.stock("p002")).toBe(100);
    expect((await orders.list("alice", { limit: 10 })).orders).toEqual([]);
    // The retry places it.
    const retried = await orders.create("alice", { items: TWO, idempotencyKey: "k-race" }, "r2");
    expect(retried.status).toBe("confirmed");
    expect(await catalogue.stock("p002")).toBe(98);
  });
});

describe("reconciler and the cap", () => {
  test("an unconfirmed pending order above its cap is dropped, one within it confirmed; no stock moves for the first", async () => {
    // Stored as a crash between the insert and the catalogue call leaves them.
    for (const [id, quantity] of [
      ["ord-big", 2],
      ["ord-small", 1],
    ] as const) {
      await repository.insertPending({
        id,
        principal: "alice",
        idempotencyKey: null,
        itemsFingerprint: `p002:${quantity}`,
        note: null,
        maxTotalCents: CAP,
        items: [{ productId: "p002", quantity }],
        createdAt: new Date(Date.now() - 5000).toISOString(),
      });
    }
    const reconciler = new Reconciler(orders, repository, log, { afterSeconds: 1, intervalSeconds: 60 });
    expect(await reconciler.runOnce()).toEqual({
      confirmed: 1,
      rejected: 0,
      cancelled: 0,
      dropped: 1,
      stillPending: 0,
    });
    expect(await orders.get("alice", "ord-small")).toMatchObject({ status: "confirmed", totalCents: 14_999 });
    expect(await repository.find("alice", "ord-big")).toBeUndefined();
    expect(await catalogue.stock("p002")).toBe(99);
    await reconciler.stop();
  });
});
