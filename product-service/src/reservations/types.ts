/** Reservation domain types: what order-service asks for and what it gets back. */
export interface RequestedItem {
  productId: string;
  quantity: number;
}

export interface ReservedLine {
  productId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export interface Shortage {
  productId: string;
  /** null when no product has this id. */
  name: string | null;
  requested: number;
  available: number;
}

export type ReserveOutcome =
  | { kind: "reserved"; orderId: string; lines: ReservedLine[]; replayed: boolean }
  | { kind: "short"; orderId: string; shortages: Shortage[] }
  /** The products are priced in more than one currency; `message` names them and says what to do. */
  | { kind: "mixed_currencies"; orderId: string; message: string }
  | { kind: "items_differ"; orderId: string }
  | { kind: "released"; orderId: string };

export interface ReleaseOutcome {
  orderId: string;
  /** What this call gave back to stock; empty when nothing was held. */
  restored: { productId: string; quantity: number }[];
  /** "released" now, "already_released" earlier, "unknown": nothing was ever reserved (now blocked). */
  result: "released" | "already_released" | "unknown";
}
