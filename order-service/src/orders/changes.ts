/**
 * What an order change announces to live listeners (MCP resource subscriptions), always to the owning
 * principal only: `order://{id}` changed, and, when an order is placed, the principal's list of orders.
 * The repository publishes these with the write that makes the change (inside `db.write`, or right after
 * a single autocommit statement on PostgreSQL), so a rolled-back change announces nothing.
 */
import type { ChangeEvent, ChangePublisher } from "service-kit";

export type { ChangePublisher };

/** The order's state changed (confirmed, rejected, cancelled, settled by the reconciler). */
export function orderChanged(id: string, principal: string): ChangeEvent[] {
  return [{ kind: "resource_updated", uri: `order://${id}`, principal }];
}

/** A new order: the set of orders its principal can list changed, and the order itself exists now. */
export function orderPlaced(id: string, principal: string): ChangeEvent[] {
  return [{ kind: "resources_list_changed", principal }, ...orderChanged(id, principal)];
}

/** A pending order the user never confirmed was withdrawn: it leaves its principal's list. */
export function orderWithdrawn(id: string, principal: string): ChangeEvent[] {
  return orderPlaced(id, principal);
}
