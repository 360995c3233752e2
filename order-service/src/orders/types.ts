/** Order domain types. Amounts are integer cents; prices come from the catalogue, never the client. */
import type { RequestedItem } from "reservation-contract";

export type OrderStatus = "pending" | "confirmed" | "rejected" | "cancelled";

export const ORDER_STATUSES: readonly OrderStatus[] = ["pending", "confirmed", "rejected", "cancelled"];

/** One product and how many of it: the shape the reservation contract sends to the catalogue. */
export type OrderItem = RequestedItem;

export interface OrderLine extends OrderItem {
  /** Known once product-service has reserved the stock. */
  name: string | null;
  unitPriceCents: number | null;
}

export interface Order {
  id: string;
  principal: string;
  idempotencyKey: string | null;
  itemsFingerprint: string;
  status: OrderStatus;
  note: string | null;
  totalCents: number | null;
  currency: string | null;
  rejectionReason: string | null;
  /**
   * Set while the user has not confirmed the order: the total (cents) it may reach without that. Its
   * stock is reserved only within it; above it the order is dropped and the user is asked first.
   */
  maxTotalCents: number | null;
  createdAt: string;
  updatedAt: string;
  lines: OrderLine[];
}

export interface NewOrder {
  items: OrderItem[];
  /** The user has not confirmed: place the order only if its total is at most this (cents). */
  maxTotalCents?: number;
  idempotencyKey?: string;
  note?: string;
}

export interface OrderPage {
  orders: Order[];
  nextCursor: string | null;
}
