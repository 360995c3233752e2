/** Reservation outcomes. The item, line and shortage shapes are the contract's, shared with order-service. */
import type { ReleaseResult, RequestedItem, ReservedLine, Shortage } from "reservation-contract";

export type { RequestedItem, ReservedLine, Shortage };

export type ReserveOutcome =
  | { kind: "reserved"; orderId: string; lines: ReservedLine[]; replayed: boolean }
  | { kind: "short"; orderId: string; shortages: Shortage[] }
  /** The products are priced in more than one currency; `message` names them and says what to do. */
  | { kind: "mixed_currencies"; orderId: string; message: string }
  /** A capped reservation would cost more than its cap (in one currency): nothing was reserved. */
  | { kind: "above_limit"; orderId: string; totalCents: number }
  | { kind: "items_differ"; orderId: string }
  | { kind: "released"; orderId: string };

export interface ReleaseOutcome {
  orderId: string;
  /** What this call gave back to stock; empty when nothing was held. */
  restored: RequestedItem[];
  /** "released" now, "already_released" earlier, "unknown": nothing was ever reserved (now blocked). */
  result: ReleaseResult;
}
