/**
 * One order has one currency: cents in different currencies cannot be added, and the catalogue lets
 * each product have its own. The catalogue (when it reserves) and the orders (when they total) both
 * refuse a mix, in the same words, naming the currencies and what to do.
 */
export interface LineCurrency {
  productId: string;
  currency: string;
}

/** The product ids in each currency, currencies and ids in alphabetical order. */
export function productsByCurrency(lines: readonly LineCurrency[]): Map<string, string[]> {
  const byCurrency = new Map<string, string[]>();
  for (const line of [...lines].sort((a, b) => (a.productId < b.productId ? -1 : 1))) {
    const ids = byCurrency.get(line.currency) ?? [];
    if (!ids.includes(line.productId)) ids.push(line.productId);
    byCurrency.set(line.currency, ids);
  }
  return new Map([...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The refusal for items in more than one currency, or undefined when they share one. */
export function mixedCurrenciesProblem(lines: readonly LineCurrency[]): string | undefined {
  const byCurrency = productsByCurrency(lines);
  if (byCurrency.size <= 1) return undefined;
  const parts = [...byCurrency].map(([currency, ids]) => `${currency} (${ids.join(", ")})`);
  const listed = `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return (
    `The items are priced in ${byCurrency.size} currencies, ${listed}, and one order is paid in one ` +
    "currency. Place one order per currency."
  );
}
