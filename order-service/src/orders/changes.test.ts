/**
 * Live updates from the order domain: each state change of an order announces `order://{id}` to its
 * owner only, a new order also the owner's order list, and nothing is announced of a write that did not
 * happen (a cancel of a cancelled order). Real SQLite with the in-process bus, and real PostgreSQL with
 * LISTEN/NOTIFY (where the order's writes are single autocommit statements), a real catalogue.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type ChangeEvent, createLogger, type Database } from "service-kit";
import { type ChangeBus, openChangeBus } from "service-kit/testing";
import { openTestDatabase } from "../../../test/support/database.ts";
import { InProcessCatalogue } from "../../../test/support/in-process-catalogue.ts";
import { orderService } from "../service.ts";
import { OrderRepository } from "./order-repository.ts";
import { Orders } from "./orders.ts";

let db: Database;
let bus: ChangeBus;
let catalogue: InProcessCatalogue;
let orders: Orders;
let heard: ChangeEvent[];
const log = createLogger("error", {}, () => undefined);
const noEvents = { confirmed: () => undefined, rejected: () => undefined };

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

describe.each(["sqlite", "postgres"] as const)("%s", (dialect) => {
  beforeEach(async () => {
    const raw = await openTestDatabase(orderService.migrations, dialect);
    bus = await openChangeBus(raw, { service: "order-service" });
    db = bus.track(raw);
    catalogue = await InProcessCatalogue.open();
    orders = new Orders(new OrderRepository(db, bus), catalogue, noEvents, log);
    heard = [];
    bus.subscribe((event) => heard.push(event));
  });

  afterEach(async () => {
    await bus.close();
    await db.close();
    await catalogue.db.close();
  });

  const updated = (id: string, principal: string): ChangeEvent => ({
    kind: "resource_updated",
    uri: `order://${id}`,
    principal,
  });

  test("placing and confirming an order tells its owner, and nobody else", async () => {
    const order = await orders.create("alice", { items: [{ productId: "p002", quantity: 1 }] }, "r1");
    expect(order.status).toBe("confirmed");
    await until(() => heard.length >= 3);
    expect(heard).toEqual([
      { kind: "resources_list_changed", principal: "alice" },
      updated(order.id, "alice"),
      updated(order.id, "alice"),
    ]);
  });

  test("a rejected order and a cancelled one are announced; a repeated cancel is not", async () => {
    await catalogue.db.sql`UPDATE products SET stock = 0 WHERE id = 'p003'`;
    const short = await orders.create("bob", { items: [{ productId: "p003", quantity: 1 }] }, "r2");
    expect(short.status).toBe("rejected");
    await until(() => heard.length >= 3);
    expect(heard.at(-1)).toEqual(updated(short.id, "bob"));

    const order = await orders.create("bob", { items: [{ productId: "p001", quantity: 1 }] }, "r3");
    await until(() => heard.length >= 6);
    heard = [];
    await orders.cancel("bob", order.id, "r4");
    await until(() => heard.length >= 1);
    expect(heard).toEqual([updated(order.id, "bob")]);
    await orders.cancel("bob", order.id, "r5");
    await Bun.sleep(100);
    expect(heard).toHaveLength(1);
  });

  test("an unconfirmed order above its limit is withdrawn, and its owner's list is told twice", async () => {
    const result = await orders.place(
      "carol",
      { items: [{ productId: "p001", quantity: 1 }], maxTotalCents: 1 },
      "r6",
    );
    expect(result.kind).toBe("above_limit");
    await until(() => heard.length >= 4);
    expect(heard.filter((event) => event.kind === "resources_list_changed")).toEqual([
      { kind: "resources_list_changed", principal: "carol" },
      { kind: "resources_list_changed", principal: "carol" },
    ]);
    expect(heard.every((event) => event.principal === "carol")).toBe(true);
  });
});
