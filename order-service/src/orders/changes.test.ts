/**
 * Live updates from the order domain: each state change of an order announces `order://{id}` to its
 * owner only, a new order also the owner's order list, and nothing is announced of a write that did not
 * happen (a cancel of a cancelled order). Real SQLite, the in-process bus, a real catalogue.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
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

beforeEach(async () => {
  const raw = await openTestDatabase(orderService.migrations);
  bus = await openChangeBus(raw, { service: "order-service" });
  db = bus.track(raw);
  catalogue = await InProcessCatalogue.open();
  orders = new Orders(new OrderRepository(db, bus), catalogue, noEvents, log);
  heard = [];
  bus.subscribe((event) => heard.push(event));
});

afterEach(async () => {
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
  expect(heard.at(-1)).toEqual(updated(short.id, "bob"));

  const order = await orders.create("bob", { items: [{ productId: "p001", quantity: 1 }] }, "r3");
  heard = [];
  await orders.cancel("bob", order.id, "r4");
  expect(heard).toEqual([updated(order.id, "bob")]);
  await orders.cancel("bob", order.id, "r5");
  expect(heard).toHaveLength(1);
});
