/**
 * What a reservation request gets, decided from what is stored: the order's reservation if it has one,
 * and the requested products as read. No I/O, so both dialects decide the same way: SQLite reads, decides
 * and then writes; PostgreSQL reads and writes in one statement (postgres-reserve.ts), or reads a batch, decides each
 * reservation in turn and writes them together (postgres-reserve-together.ts), and decides on
 * what that statement read.
 *
 * Why the shortage check comes before any write: a business "no" then never needs a rollback; only a
 * lost race (possible on PostgreSQL) does, and then the whole attempt runs again and sees the new stock.
 */
import { mixedCurrenciesProblem } from "reservation-contract";
import type { RequestedItem, ReservedLine, ReserveOutcome, Shortage } from "./types.ts";

export interface StoredReservation {
  items_fingerprint: string;
  status: "active" | "released";
}

export interface ProductStockRow {
  id: string;
  name: string;
  price_cents: number | string;
  currency: string;
  stock: number | string;
}

export type Decision =
  /** The order reserved these items before: answer its stored lines again. */
  | { kind: "replay" }
  /** Nothing may be written: answer this. */
  | { kind: "refuse"; outcome: ReserveOutcome }
  /** A new reservation of these lines, at the catalogue's prices. */
  | { kind: "take"; lines: ReservedLine[] };

export interface ReservationRequest {
  orderId: string;
  /** Normalized: one item per product, in product id order. */
  items: readonly RequestedItem[];
  fingerprint: string;
  /** With a cap, a new reservation whose total is above it is refused with the total. */
  maxTotalCents: number | undefined;
}

export function decideReservation(
  request: ReservationRequest,
  stored: StoredReservation | undefined,
  rows: readonly ProductStockRow[],
): Decision {
  const { orderId, items } = request;
  const refuse = (outcome: ReserveOutcome): Decision => ({ kind: "refuse", outcome });
  if (stored) {
    if (stored.status === "released") return refuse({ kind: "released", orderId });
    if (stored.items_fingerprint !== request.fingerprint) return refuse({ kind: "items_differ", orderId });
    return { kind: "replay" };
  }
  const products = new Map(rows.map((row) => [row.id, row]));
  // Before stock: an order in two currencies cannot be totalled, however much stock there is.
  const mixed = mixedCurrenciesProblem(rows.map((row) => ({ productId: row.id, currency: row.currency })));
  if (mixed) return refuse({ kind: "mixed_currencies", orderId, message: mixed });
  // Before stock, as the separate quote did: the user confirms the price, then hears about stock. An
  // unknown product makes the order short anyway, so there is no total to confirm.
  if (request.maxTotalCents !== undefined && items.every((item) => products.has(item.productId))) {
    const totalCents = items.reduce(
      (sum, item) =>
        sum + Number((products.get(item.productId) as ProductStockRow).price_cents) * item.quantity,
      0,
    );
    if (totalCents > request.maxTotalCents) return refuse({ kind: "above_limit", orderId, totalCents });
  }
  const shortages: Shortage[] = [];
  for (const item of items) {
    const product = products.get(item.productId);
    const available = product ? Number(product.stock) : 0;
    if (available < item.quantity) {
      shortages.push({
        productId: item.productId,
        name: product?.name ?? null,
        requested: item.quantity,
        available,
      });
    }
  }
  if (shortages.length > 0) return refuse({ kind: "short", orderId, shortages });
  const lines = items.map((item): ReservedLine => {
    const product = products.get(item.productId) as ProductStockRow;
    return {
      productId: item.productId,
      name: product.name,
      quantity: item.quantity,
      unitPriceCents: Number(product.price_cents),
      currency: product.currency,
    };
  });
  return { kind: "take", lines };
}
