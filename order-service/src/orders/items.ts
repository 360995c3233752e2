/** Order items as the domain keeps them: one line per product, quantities of repeated ids summed. */
import { DomainError } from "service-kit/errors";
import type { OrderItem } from "./types.ts";

/** The most of one product a single order may hold (product-service enforces the same bound). */
export const MAX_QUANTITY_PER_PRODUCT = 100;

/** Merges repeated product ids in first-seen order; refuses a merged quantity above the bound. */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.productId, (totals.get(item.productId) ?? 0) + item.quantity);
  const merged = [...totals.entries()].map(([productId, quantity]) => ({ productId, quantity }));
  const tooMany = merged.filter((item) => item.quantity > MAX_QUANTITY_PER_PRODUCT);
  if (tooMany.length > 0) {
    const named = tooMany.map((item) => `${item.productId} (${item.quantity})`).join(", ");
    throw new DomainError(
      "invalid",
      `At most ${MAX_QUANTITY_PER_PRODUCT} units of one product fit in an order; the items ask for ${named} after ` +
        "adding up repeated product ids. Lower the quantity or split it across orders.",
    );
  }
  return merged;
}

/** Equal for the same products and quantities in any order, so a retried request is recognised. */
export function itemsFingerprint(items: readonly OrderItem[]): string {
  return [...items]
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0))
    .map((item) => `${item.productId}:${item.quantity}`)
    .join(",");
}
