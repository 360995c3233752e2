/**
 * The rules a reservation is decided by, in the order they apply: a stored reservation first, then one
 * currency, then the cap, then stock. Both dialects decide with this function (reservations.test.ts
 * runs them end to end on SQLite and PostgreSQL).
 */
import { expect, test } from "bun:test";
import { itemsFingerprint, normalizeItems } from "reservation-contract";
import { decideReservation, type ProductStockRow, type ReservationRequest } from "./decide.ts";
import type { RequestedItem } from "./types.ts";

function request(items: RequestedItem[], maxTotalCents?: number): ReservationRequest {
  const normalized = normalizeItems(items);
  return { orderId: "o-1", items: normalized, fingerprint: itemsFingerprint(normalized), maxTotalCents };
}

const product = (id: string, stock: number, priceCents = 1000, currency = "USD"): ProductStockRow => ({
  id,
  name: `Product ${id}`,
  price_cents: priceCents,
  currency,
  stock,
});

const twoOfA = request([{ productId: "a", quantity: 2 }]);

test("a stored reservation decides first: released, other items, or a replay", () => {
  const rows = [product("a", 0)];
  expect(decideReservation(twoOfA, { status: "released", items_fingerprint: "a:2" }, rows)).toEqual({
    kind: "refuse",
    outcome: { kind: "released", orderId: "o-1" },
  });
  expect(decideReservation(twoOfA, { status: "active", items_fingerprint: "a:3" }, rows)).toEqual({
    kind: "refuse",
    outcome: { kind: "items_differ", orderId: "o-1" },
  });
  // Replayed although there is no stock now: the stock was taken when it was reserved.
  expect(decideReservation(twoOfA, { status: "active", items_fingerprint: "a:2" }, rows)).toEqual({
    kind: "replay",
  });
});

test("two currencies are refused before the cap and before stock", () => {
  const mixed = request(
    [
      { productId: "a", quantity: 5 },
      { productId: "b", quantity: 1 },
    ],
    1,
  );
  const decision = decideReservation(mixed, undefined, [product("a", 0), product("b", 0, 1000, "EUR")]);
  expect(decision).toMatchObject({ kind: "refuse", outcome: { kind: "mixed_currencies" } });
});

test("above the cap answers the total, before stock; an unknown product makes it short instead", () => {
  const capped = request([{ productId: "a", quantity: 2 }], 1999);
  expect(decideReservation(capped, undefined, [product("a", 0)])).toEqual({
    kind: "refuse",
    outcome: { kind: "above_limit", orderId: "o-1", totalCents: 2000 },
  });
  const withUnknown = request(
    [
      { productId: "a", quantity: 2 },
      { productId: "zz", quantity: 1 },
    ],
    1,
  );
  expect(decideReservation(withUnknown, undefined, [product("a", 5)])).toEqual({
    kind: "refuse",
    outcome: {
      kind: "short",
      orderId: "o-1",
      shortages: [{ productId: "zz", name: null, requested: 1, available: 0 }],
    },
  });
});

test("every shortage is named; with enough of everything the lines carry the catalogue's prices", () => {
  const both = request([
    { productId: "b", quantity: 3 },
    { productId: "a", quantity: 2 },
  ]);
  expect(decideReservation(both, undefined, [product("a", 1), product("b", 2, 250)])).toEqual({
    kind: "refuse",
    outcome: {
      kind: "short",
      orderId: "o-1",
      shortages: [
        { productId: "a", name: "Product a", requested: 2, available: 1 },
        { productId: "b", name: "Product b", requested: 3, available: 2 },
      ],
    },
  });
  // PostgreSQL may answer numeric columns as strings: they are read as numbers.
  const rows = [product("a", 2), { ...product("b", 3), price_cents: "250", stock: "3" }];
  expect(decideReservation({ ...both, maxTotalCents: 2750 }, undefined, rows)).toEqual({
    kind: "take",
    lines: [
      { productId: "a", name: "Product a", quantity: 2, unitPriceCents: 1000, currency: "USD" },
      { productId: "b", name: "Product b", quantity: 3, unitPriceCents: 250, currency: "USD" },
    ],
  });
});
