import { expect, test } from "bun:test";
import { mixedCurrenciesProblem, productsByCurrency } from "./currencies.ts";

test("one currency, however many lines, is no problem", () => {
  const lines = [
    { productId: "p2", currency: "USD" },
    { productId: "p1", currency: "USD" },
  ];
  expect(mixedCurrenciesProblem(lines)).toBeUndefined();
  expect(mixedCurrenciesProblem([])).toBeUndefined();
});

test("a mix names each currency with its products, in order, once each", () => {
  const lines = [
    { productId: "p9", currency: "USD" },
    { productId: "p3", currency: "EUR" },
    { productId: "p1", currency: "USD" },
    { productId: "p3", currency: "EUR" },
  ];
  expect([...productsByCurrency(lines)]).toEqual([
    ["EUR", ["p3"]],
    ["USD", ["p1", "p9"]],
  ]);
  expect(mixedCurrenciesProblem(lines)).toBe(
    "The items are priced in 2 currencies, EUR (p3) and USD (p1, p9), and one order is paid in one currency. " +
      "Place one order per currency.",
  );
});
