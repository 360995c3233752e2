/** The order tools: thin adapters that validate input, call the Orders use cases and shape output. */
import type { InputRequiredResult, McpServer } from "@modelcontextprotocol/server";
import {
  MAX_LINES_PER_ORDER,
  MAX_QUANTITY_PER_PRODUCT,
  PRODUCT_ID_PATTERN,
  toUnits,
} from "reservation-contract";
import { DomainError, READ_ONLY_TOOL, registerTool, type ToolCall, type ToolKit } from "service-kit";
import { z } from "zod";
import { itemsFingerprint, mergeItems } from "./orders/items.ts";
import type { Orders } from "./orders/orders.ts";
import type { OrderItem } from "./orders/types.ts";
import { ORDER_STATUSES, type OrderStatus } from "./orders/types.ts";
import { orderOutput, presentOrder, presentOrderPage } from "./presenters.ts";

const productId = z
  .string()
  .trim()
  .regex(PRODUCT_ID_PATTERN, "must be a product id like p002")
  .describe('Product id from the catalogue, e.g. "p002"');
const orderId = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .describe("Order id as returned by create_order or list_orders");

// Tool shapes are defined once: every server built registers them, and shares their validators (see
// registerTool in service-kit).
const createOrderInput = {
  items: z
    .array(
      z.object({
        product_id: productId,
        quantity: z.number().int().min(1).max(MAX_QUANTITY_PER_PRODUCT),
      }),
    )
    .min(1)
    .max(MAX_LINES_PER_ORDER)
    .describe("What to order"),
  idempotency_key: z.string().min(1).max(100).optional().describe("Unique per order; reuse it only to retry"),
  note: z.string().max(500).optional().describe("Free-text note stored with the order"),
  confirm: z
    .boolean()
    .optional()
    .describe("true only after the user confirmed this order, when create_order said it needs confirmation"),
};
const orderIdInput = { order_id: orderId };
const listOrdersInput = {
  status: z.enum(ORDER_STATUSES as [OrderStatus, ...OrderStatus[]]).optional(),
  limit: z.number().int().min(1).max(50).default(10),
  cursor: z.string().max(512).optional().describe("next_cursor from the previous page"),
};
// Optional, not nullable: see orderOutput in presenters.ts.
const listOrdersOutput = { orders: z.array(orderOutput), next_cursor: z.string().optional() };

export interface OrderToolOptions {
  /** Orders whose total is above this many cents need the user's confirmation. */
  confirmAboveCents: number;
}

const units = (cents: number): string => toUnits(cents).toFixed(2);

/**
 * Before an order above the limit is placed, the user confirms it: asked through the client when it
 * can ask (an input_required round, or elicitation on a 2025 session), or else by the model, which
 * then calls again with confirm: true. Called once the catalogue has priced the order above the limit
 * (and reserved nothing). Returns the round to answer with, or undefined once the user said yes.
 */
async function confirmLargeOrder(
  items: readonly OrderItem[],
  totalCents: number,
  call: ToolCall,
  options: OrderToolOptions,
): Promise<InputRequiredResult | undefined> {
  const total = units(totalCents);
  const limit = units(options.confirmAboveCents);
  const lines = items.map((item) => `${item.quantity} × ${item.productId}`).join(", ");
  const outcome = await call.confirm(
    `Place this order for ${total} (${lines})? Orders above ${limit} need your confirmation.`,
    `${itemsFingerprint(items)}|${totalCents}`,
  );
  switch (outcome.kind) {
    case "confirmed":
      return undefined;
    case "ask":
      return outcome.result;
    case "declined":
      throw new DomainError(
        "invalid",
        `The user did not confirm the order of ${lines} for ${total}, so nothing was ordered. ` +
          "Do not place it again unless the user asks for it.",
      );
    case "cannot-ask":
      throw new DomainError(
        "invalid",
        `This order (${lines}) totals ${total}, above the ${limit} that needs the user's confirmation, ` +
          "and this client cannot ask the user itself. Nothing was ordered. Ask the user to confirm the " +
          "items and the total, then call create_order again with the same arguments and confirm: true.",
      );
  }
}

export function registerOrderTools(
  server: McpServer,
  kit: ToolKit,
  orders: Orders,
  options: OrderToolOptions,
): void {
  registerTool(server, kit, {
    name: "create_order",
    title: "Create order",
    description:
      "Place an order for 1 to 20 lines of {product_id, quantity}. Prices come from the catalogue (never send " +
      "prices); stock is reserved for all lines or none. Lines naming the same product_id are added together " +
      "(at most 100 units of one product). Returns the order with unit prices, line totals and total in " +
      "currency units. status is 'confirmed' when the stock is reserved, or 'rejected' (not an error) with a " +
      "message naming each short item and how many are left. Pass an idempotency_key (any unique string) so " +
      "that retrying after an error can never order twice: the same key returns the first order. An order " +
      "above the shop's confirmation limit needs the user's OK: the client is asked to show it to the user, " +
      "or, when it cannot, the tool says so and you ask the user, then call again with confirm: true.",
    input: createOrderInput,
    output: orderOutput.shape,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    scope: "orders:write",
    handler: async (input, call) => {
      const request = {
        items: input.items.map((item) => ({ productId: item.product_id, quantity: item.quantity })),
        idempotencyKey: input.idempotency_key,
        note: input.note,
      };
      if (input.confirm !== true) {
        // One call to the catalogue prices the order and, within the limit, places it.
        const placed = await orders.place(
          call.principal,
          { ...request, maxTotalCents: options.confirmAboveCents },
          call.requestId,
        );
        if (placed.kind === "placed") return presentOrder(placed.order);
        const round = await confirmLargeOrder(mergeItems(request.items), placed.totalCents, call, options);
        if (round) return round;
      }
      return presentOrder(await orders.create(call.principal, request, call.requestId));
    },
  });

  registerTool(server, kit, {
    name: "get_order",
    title: "Get order",
    description: "One of your orders by id: status, lines with unit prices, total and, if rejected, why.",
    input: orderIdInput,
    output: orderOutput.shape,
    annotations: READ_ONLY_TOOL,
    scope: "orders:read",
    handler: async (input, call) => presentOrder(await orders.get(call.principal, input.order_id)),
  });

  registerTool(server, kit, {
    name: "list_orders",
    title: "List orders",
    description:
      "Your orders, newest first, optionally only one status. Returns up to `limit` orders and `next_cursor` " +
      "for the next page (pass it back unchanged with the same status; absent on the last page).",
    input: listOrdersInput,
    output: listOrdersOutput,
    annotations: READ_ONLY_TOOL,
    scope: "orders:read",
    handler: async (input, call) => {
      const options = { status: input.status, cursor: input.cursor, limit: input.limit };
      return presentOrderPage(await orders.list(call.principal, options));
    },
  });

  registerTool(server, kit, {
    name: "cancel_order",
    title: "Cancel order",
    description:
      "Cancel one of your pending or confirmed orders and release its stock. Cancelling an order that is " +
      "already cancelled returns it unchanged. A rejected order held nothing and cannot be cancelled.",
    input: orderIdInput,
    output: orderOutput.shape,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    scope: "orders:write",
    handler: async (input, call) =>
      presentOrder(await orders.cancel(call.principal, input.order_id, call.requestId)),
  });
}
