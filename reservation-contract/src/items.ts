/** Requested items: what an order asks the catalogue to hold, and how equal requests are recognised. */

export interface RequestedItem {
  productId: string;
  quantity: number;
}

/** Adds up the quantities of repeated product ids, keeping the order in which ids first appear. */
export function sumByProduct(items: readonly RequestedItem[]): RequestedItem[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.productId, (totals.get(item.productId) ?? 0) + item.quantity);
  return [...totals.entries()].map(([productId, quantity]) => ({ productId, quantity }));
}

/** Sums repeated product ids and sorts by id, so equal requests look equal and locks come in one order. */
export function normalizeItems(items: readonly RequestedItem[]): RequestedItem[] {
  return sumByProduct(items).sort((a, b) =>
    a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0,
  );
}

/**
 * Equal for the same products and quantities in any order, so a retried request is recognised. Both
 * services store it (orders.items_fingerprint, reservations.items_fingerprint): its format must not change.
 */
export function itemsFingerprint(items: readonly RequestedItem[]): string {
  return normalizeItems(items)
    .map((item) => `${item.productId}:${item.quantity}`)
    .join(",");
}
