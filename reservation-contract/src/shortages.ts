/** What is missing when stock cannot cover a request, and the words both services use for it. */

export interface Shortage {
  productId: string;
  /** null when no product has this id. */
  name: string | null;
  requested: number;
  available: number;
}

/** One shortage for a person: "p004 (Running Shoes): 2 requested, 0 left" or "p999 does not exist". */
export function describeShortage(shortage: Shortage): string {
  if (shortage.name === null) return `${shortage.productId} does not exist`;
  return `${shortage.productId} (${shortage.name}): ${shortage.requested} requested, ${shortage.available} left`;
}

export function describeShortages(shortages: readonly Shortage[]): string {
  return shortages.map(describeShortage).join("; ");
}
