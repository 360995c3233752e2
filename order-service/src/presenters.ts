/** Shapes orders for the MCP interface: currency units instead of cents, snake_case, a plain message. */
import { toUnits } from "reservation-contract";
import { z } from "zod";
import type { Order } from "./orders/types.ts";

export const orderOutput = z.object({
  order_id: z.string(),
  status: z.enum(["pending", "confirmed", "rejected", "cancelled"]),
  message: z.string().describe("What the status means and what to do next"),
  lines: z.array(
    z.object({
      product_id: z.string(),
      name: z.string().nullable(),
      quantity: z.number().int(),
      unit_price: z
        .number()
        .nullable()
        .describe("Catalogue unit price in currency units; null until confirmed"),
      line_total: z.number().nullable(),
    }),
  ),
  total: z.number().nullable().describe("Order total in currency units; null until confirmed"),
  currency: z.string().nullable(),
  note: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  rejection_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export type OrderView = z.infer<typeof orderOutput>;

export function orderMessage(order: Order): string {
  switch (order.status) {
    case "confirmed": {
      const total = [toUnits(order.totalCents ?? 0).toFixed(2), order.currency].filter(Boolean).join(" ");
      return `Order ${order.id} is confirmed: the stock is reserved and the total is ${total}.`;
    }
    case "rejected":
      return `Order ${order.id} was rejected and nothing was reserved. ${order.rejectionReason ?? ""} Lower the quantities or pick other products (check_inventory shows stock), then place a new order.`;
    case "cancelled":
      return `Order ${order.id} is cancelled; any stock it held has been released.`;
    case "pending":
      return `Order ${order.id} is pending: its stock is not reserved yet. It is completed or rejected automatically; check again with get_order.`;
  }
}

export function presentOrder(order: Order): OrderView {
  return {
    order_id: order.id,
    status: order.status,
    message: orderMessage(order),
    lines: order.lines.map((line) => ({
      product_id: line.productId,
      name: line.name,
      quantity: line.quantity,
      unit_price: line.unitPriceCents === null ? null : toUnits(line.unitPriceCents),
      line_total: line.unitPriceCents === null ? null : toUnits(line.unitPriceCents * line.quantity),
    })),
    total: order.totalCents === null ? null : toUnits(order.totalCents),
    currency: order.currency,
    note: order.note,
    idempotency_key: order.idempotencyKey,
    rejection_reason: order.rejectionReason,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
  };
}
