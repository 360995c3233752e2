/**
 * The order state machine: pending → confirmed | rejected | cancelled, confirmed → cancelled.
 * Rejected and cancelled are final. The repository applies a transition only from the state it read
 * (compare and set), so the saga, the reconciler and cancel_order can race without corrupting an order.
 */
import type { OrderStatus } from "./types.ts";

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ["confirmed", "rejected", "cancelled"],
  confirmed: ["cancelled"],
  rejected: [],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** The states an order may be in for it to move to `to`. */
export function statusesAllowing(to: OrderStatus): OrderStatus[] {
  return (Object.keys(NEXT) as OrderStatus[]).filter((from) => canTransition(from, to));
}
