/** Order items as the domain keeps them: one line per product, quantities of repeated ids summed. */
import { MAX_QUANTITY_PER_PRODUCT, sumByProduct } from "reservation-contract";
import { DomainError } from "service-kit";
import type { OrderItem } from "./types.ts";

export { itemsFingerprint } from "reservation-contract";

/** Merges repeated product ids in first-seen order; refuses a merged quantity above the bound. */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const merged = sumByProduct(items);
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
