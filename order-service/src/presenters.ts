/** Shapes orders for the MCP interface: currency units instead of cents, snake_case, a plain message. */
import { toUnits } from "reservation-contract";
import { z } from "zod";
import type { Order, OrderPage } from "./orders/types.ts";

/**
 * A field the order does not have (yet) is absent, never `null`: zod writes a nullable field as
 * `type: ["number", "null"]`, which clients mapping schemas onto a single-`type` dialect (Gemini's
 * OpenAPI subset, flagged by the MCP Inspector) reject or drop.
 */
export const orderOutput = z.object({
  order_id: z.string(),
  status: z.enum(["pending", "confirmed", "rejected", "cancelled"]),
  message: z.string().describe("What the status means and what to do next"),
  lines: z.array(
    z.object({
      product_id: z.string(),
      name: z.string().optional().describe("Catalogue name; absent until confirmed"),
      quantity: z.number().int(),
      unit_price: z
        .number()
        .optional()
        .describe("Catalogue unit price in currency units; absent until confirmed"),
      line_total: z.number().optional().describe("unit_price × quantity; absent until confirmed"),
    }),
  ),
  total: z.number().optional().describe("Order total in currency units; absent until confirmed"),
  currency: z.string().optional().describe("Currency of the prices; absent until confirmed"),
  note: z.string().optional(),
  idempotency_key: z.string().optional(),
  rejection_reason: z.string().optional().describe("Why the order was rejected; only on rejected orders"),
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
      ...present("name", line.name),
      quantity: line.quantity,
      ...present("unit_price", line.unitPriceCents === null ? null : toUnits(line.unitPriceCents)),
      ...present(
        "line_total",
        line.unitPriceCents === null ? null : toUnits(line.unitPriceCents * line.quantity),
      ),
    })),
    ...present("total", order.totalCents === null ? null : toUnits(order.totalCents)),
    ...present("currency", order.currency),
    ...present("note", order.note),
    ...present("idempotency_key", order.idempotencyKey),
    ...present("rejection_reason", order.rejectionReason),
    created_at: order.createdAt,
    updated_at: order.updatedAt,
  };
}

/** `{ [key]: value }`, or nothing when the domain has no value: the output leaves the field out. */
function present<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A page of list_orders: `next_cursor` only while more orders follow. */
export function presentOrderPage(page: OrderPage): { orders: OrderView[]; next_cursor?: string } {
  return { orders: page.orders.map(presentOrder), next_cursor: page.nextCursor ?? undefined };
}
