/**
 * What the order domain needs from the catalogue: reserve stock for an order (idempotent on the order
 * id, all or nothing, with catalogue prices) and release it. product-client.ts implements it over HTTP.
 * Both throw DomainError("unavailable") when the catalogue cannot be reached in time. Lines and
 * shortages have the shapes of the shared reservation contract.
 */
import type { ReservedLine, Shortage } from "reservation-contract";
import { DomainError } from "service-kit";
import type { OrderItem } from "./types.ts";

export type ReservationResult =
  /** `replayed`: the reservation existed before this call (a retry), so it was made under its own rules. */
  | { kind: "reserved"; lines: ReservedLine[]; replayed: boolean }
  /** The new reservation would cost more than `maxTotalCents`: nothing was reserved. */
  | { kind: "above_limit"; totalCents: number }
  | { kind: "short"; shortages: Shortage[] }
  /** The catalogue refused the request itself (e.g. a malformed product id). */
  | { kind: "refused"; message: string }
  /** The reservation was released before it was made: the order was cancelled meanwhile. */
  | { kind: "released" };

/**
 * DomainError("unavailable") that also says whether any attempt may have reached the catalogue. When
 * none did (every connection was refused), nothing can have been reserved.
 */
export class CatalogueUnavailable extends DomainError {
  constructor(
    message: string,
    readonly mayHaveArrived: boolean,
  ) {
    super("unavailable", message);
  }
}

export interface ReservationGateway {
  /** `maxTotalCents`: reserve only if the new reservation costs at most this (cents). */
  reserve(
    orderId: string,
    items: readonly OrderItem[],
    requestId: string,
    maxTotalCents?: number,
  ): Promise<ReservationResult>;
  release(orderId: string, requestId: string): Promise<void>;
}
