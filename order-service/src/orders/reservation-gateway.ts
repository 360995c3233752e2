/**
 * What the order domain needs from the catalogue: reserve stock for an order (idempotent on the order
 * id, all or nothing, with catalogue prices) and release it. product-client.ts implements it over HTTP.
 * Both throw DomainError("unavailable") when the catalogue cannot be reached in time. Lines and
 * shortages have the shapes of the shared reservation contract.
 */
import type { ReservedLine, Shortage } from "reservation-contract";
import type { OrderItem } from "./types.ts";

export type ReservationResult =
  | { kind: "reserved"; lines: ReservedLine[] }
  | { kind: "short"; shortages: Shortage[] }
  /** The catalogue refused the request itself (e.g. a malformed product id). */
  | { kind: "refused"; message: string }
  /** The reservation was released before it was made: the order was cancelled meanwhile. */
  | { kind: "released" };

export interface ReservationGateway {
  reserve(orderId: string, items: readonly OrderItem[], requestId: string): Promise<ReservationResult>;
  release(orderId: string, requestId: string): Promise<void>;
}
