/**
 * What the order domain needs from the catalogue: reserve stock for an order (idempotent on the order
 * id, all or nothing, with catalogue prices) and release it. product-client.ts implements it over HTTP.
 * Both throw DomainError("unavailable") when the catalogue cannot be reached in time.
 */
import type { OrderItem } from "./types.ts";

export interface PricedLine extends OrderItem {
  name: string;
  unitPriceCents: number;
  currency: string;
}

export interface Shortfall {
  productId: string;
  /** null when no product has this id. */
  name: string | null;
  requested: number;
  available: number;
}

export type ReservationResult =
  | { kind: "reserved"; lines: PricedLine[] }
  | { kind: "short"; shortfalls: Shortfall[] }
  /** The catalogue refused the request itself (e.g. a malformed product id). */
  | { kind: "refused"; message: string }
  /** The reservation was released before it was made: the order was cancelled meanwhile. */
  | { kind: "released" };

export interface ReservationGateway {
  reserve(orderId: string, items: readonly OrderItem[], requestId: string): Promise<ReservationResult>;
  release(orderId: string, requestId: string): Promise<void>;
}

export function describeShortfalls(shortfalls: readonly Shortfall[]): string {
  return shortfalls
    .map((item) =>
      item.name === null
        ? `${item.productId} does not exist`
        : `${item.productId} (${item.name}): ${item.requested} requested, ${item.available} left`,
    )
    .join("; ");
}
