/**
 * Live updates from reservations: taking and giving back stock announces `product://{id}` of each
 * product whose stock moved, once committed; a shortage (no stock moves) announces nothing. On SQLite
 * (in-process bus) and PostgreSQL (LISTEN/NOTIFY), real databases.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ChangeEvent, Database } from "service-kit";
import { type ChangeBus, openChangeBus } from "service-kit/testing";
import { openTestDatabase, TEST_DIALECTS } from "../../../test/support/database.ts";
import { Catalog } from "../catalog/catalog.ts";
import { demoCatalog, productService } from "../service.ts";
import { Reservations } from "./reservations.ts";

const product = (id: string): ChangeEvent => ({ kind: "resource_updated", uri: `product://${id}` });

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

for (const dialect of TEST_DIALECTS) {
  describe(`stock changes on ${dialect}`, () => {
    let db: Database;
    let bus: ChangeBus;
    let reservations: Reservations;
    let heard: ChangeEvent[];

    beforeEach(async () => {
      const raw = await openTestDatabase(productService.migrations, dialect);
      await new Catalog(raw.sql).import(demoCatalog);
      bus = await openChangeBus(raw, { service: "product-service" });
      db = bus.track(raw);
      reservations = new Reservations(db, bus);
      heard = [];
      bus.subscribe((event) => heard.push(event));
    }, 60_000);

    afterEach(async () => {
      await bus.close();
      await db.close();
    });

    test("a reservation and its release announce each product once; a shortage nothing", async () => {
      const items = [
        { productId: "p002", quantity: 1 },
        { productId: "p001", quantity: 2 },
      ];
      const short = await reservations.reserve("o-short", [{ productId: "p002", quantity: 100_000 }]);
      expect(short.kind).toBe("short");
      expect((await reservations.reserve("o-1", items)).kind).toBe("reserved");
      await until(() => heard.length >= 2);
      expect(heard).toEqual([product("p001"), product("p002")]);
      expect((await reservations.release("o-1")).result).toBe("released");
      await until(() => heard.length >= 4);
      expect(heard.slice(2)).toEqual([product("p001"), product("p002")]);
      // A replayed reservation moves no stock and announces nothing.
      await reservations.release("o-1");
      await Bun.sleep(100);
      expect(heard).toHaveLength(4);
    }, 30_000);
  });
}
