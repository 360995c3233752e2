/**
 * Live updates from a catalogue import on PostgreSQL (what `product-service seed FILE` does while the
 * instances serve): the categories, and exactly the products whose price or stock changed, are
 * announced with the import's commit; an import that fails validation announces nothing.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { ChangeEvent, Database } from "service-kit";
import { type ChangeBus, changeChannel, notifyPublisher, openChangeBus } from "service-kit/testing";
import { openTestDatabase } from "../../../test/support/database.ts";
import { demoCatalog, productService } from "../service.ts";
import { Catalog } from "./catalog.ts";

let db: Database;
let bus: ChangeBus;
let heard: ChangeEvent[];

beforeEach(async () => {
  db = await openTestDatabase(productService.migrations, "postgres");
  await new Catalog(db.sql).import(demoCatalog);
  bus = await openChangeBus(db, { service: "product-service" });
  heard = [];
  bus.subscribe((event) => heard.push(event));
}, 60_000);

afterEach(async () => {
  await bus.close();
  await db.close();
});

test("an import announces the categories and the products whose price or stock moved", async () => {
  // What the seed command publishes with (cli.ts), heard by a serving instance's bus.
  const seed = notifyPublisher(db.sql, changeChannel("product-service"));
  const [first, second, ...rest] = demoCatalog.products;
  if (!first || !second) throw new Error("the demo catalogue has fewer than two products");
  const changed = {
    ...demoCatalog,
    products: [{ ...first, price: first.price + 1 }, { ...second, stock: second.stock + 5 }, ...rest],
  };
  await new Catalog(db.sql).import(changed, seed);
  const deadline = Date.now() + 3000;
  while (heard.length < 3 && Date.now() < deadline) await Bun.sleep(10);
  expect(heard).toEqual([
    { kind: "resource_updated", uri: "catalog://categories" },
    { kind: "resource_updated", uri: `product://${first.id}` },
    { kind: "resource_updated", uri: `product://${second.id}` },
  ]);

  heard = [];
  const broken = { ...demoCatalog, products: [{ ...first, price: -1 }] };
  await expect(new Catalog(db.sql).import(broken, seed)).rejects.toThrow("problem");
  await Bun.sleep(100);
  expect(heard).toEqual([]);
}, 30_000);
