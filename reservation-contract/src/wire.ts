/**
 * The bodies of product-service's internal reservation API, as zod schemas both services use:
 *   POST   /internal/reservations             reserveRequest → 201/200 reservedResponse,
 *                                             409 insufficientStockBody, 409 aboveLimitBody,
 *                                             400/409 problemBody
 *   DELETE /internal/reservations/{order_id}  → 200 releaseResponse, 400 problemBody
 *   POST   /internal/quotes                   quoteRequest → 200 quoteResponse, 400 problemBody
 * The wire is snake_case, the domains camelCase: each list entry is a zod codec, so `parse` gives the
 * domain shape and `encode` the wire shape, and no service writes its own mapper.
 */
import { z } from "zod";
import { type RequestedItem, sumByProduct } from "./items.ts";
import {
  MAX_LINES_PER_ORDER,
  MAX_QUANTITY_PER_PRODUCT,
  ORDER_ID_PATTERN,
  PRODUCT_ID_PATTERN,
} from "./limits.ts";
import type { Shortage } from "./shortages.ts";

/** A line held for an order, with the catalogue's price at the time it was reserved. */
export interface ReservedLine extends RequestedItem {
  name: string;
  unitPriceCents: number;
  currency: string;
}

export const orderIdSchema = z
  .string({ error: "order_id must be a string" })
  .regex(ORDER_ID_PATTERN, "order_id must be 1-100 letters, digits, '.', '_', ':' or '-'");

const productId = z
  .string({ error: "product_id must be a string" })
  .regex(PRODUCT_ID_PATTERN, "product_id must look like p002");

const quantity = z
  .number({ error: "quantity must be a number" })
  .int("quantity must be a whole number")
  .min(1, "quantity must be at least 1")
  .max(MAX_QUANTITY_PER_PRODUCT, `quantity must be at most ${MAX_QUANTITY_PER_PRODUCT}`);

const itemToWire = (item: RequestedItem) => ({ product_id: item.productId, quantity: item.quantity });

/** {product_id, quantity} on the wire, {productId, quantity} in the domains. */
function itemCodec(wire: { product_id: z.ZodString; quantity: z.ZodNumber }) {
  return z.codec(z.object(wire), z.object({ productId: z.string(), quantity: z.number() }), {
    decode: (item): RequestedItem => ({ productId: item.product_id, quantity: item.quantity }),
    encode: itemToWire,
  });
}

/**
 * An optional cap on a new reservation's total, in cents (create_order's confirmation limit): above it
 * product-service reserves nothing and answers 409 aboveLimitBody with the total, so one call both
 * prices the order and reserves it. A replayed reservation is answered as it was made, cap or not.
 * A product-service from before the cap ignores it (zod drops unknown keys): the caller must still
 * check the total of a new reservation itself and give it back when it is above the cap.
 */
const maxTotalCents = z
  .number({ error: "max_total_cents must be a number" })
  .int("max_total_cents must be a whole number of cents")
  .min(0, "max_total_cents must be 0 or more");

export const reserveRequest = z.object({
  order_id: orderIdSchema,
  max_total_cents: maxTotalCents.optional(),
  items: z
    .array(itemCodec({ product_id: productId, quantity }), {
      error: "items must be an array of {product_id, quantity}",
    })
    .min(1, "items must hold at least 1 line")
    .max(MAX_LINES_PER_ORDER, `items must hold at most ${MAX_LINES_PER_ORDER} lines`)
    // The bound is per product: lines naming the same product are reserved together.
    .superRefine((items, context) => {
      for (const item of sumByProduct(items)) {
        if (item.quantity <= MAX_QUANTITY_PER_PRODUCT) continue;
        context.addIssue({
          code: "custom",
          message:
            `the lines for ${item.productId} add up to ${item.quantity}, and at most ` +
            `${MAX_QUANTITY_PER_PRODUCT} of one product fit in one reservation`,
        });
      }
    }),
});

const reservedLine = z.codec(
  z.object({
    product_id: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    unit_price_cents: z.number().int(),
    currency: z.string(),
  }),
  z.object({
    productId: z.string(),
    name: z.string(),
    quantity: z.number(),
    unitPriceCents: z.number(),
    currency: z.string(),
  }),
  {
    decode: (wire): ReservedLine => ({
      productId: wire.product_id,
      name: wire.name,
      quantity: wire.quantity,
      unitPriceCents: wire.unit_price_cents,
      currency: wire.currency,
    }),
    encode: reservedLineToWire,
  },
);

function reservedLineToWire(line: ReservedLine) {
  return {
    product_id: line.productId,
    name: line.name,
    quantity: line.quantity,
    unit_price_cents: line.unitPriceCents,
    currency: line.currency,
  };
}

/** The reserved lines and nothing else: order-service totals them itself (after its currency check). */
export const reservedResponse = z.object({ order_id: z.string(), lines: z.array(reservedLine) });

// The two encoders below give what the schemas' `safeEncode`/`encode` give, with the same checks and
// messages, for a fraction of the CPU: zod runs an encode (a codec backwards) on its interpreter, while
// parsing the wire form, which is what checks it here, runs zod's compiled validator. Every order
// takes both (contract test: wire-encoders.test.ts).

/** The body of POST /internal/reservations, checked as product-service checks it; as `reserveRequest.safeEncode`. */
export function encodeReserveRequest(
  request: z.output<typeof reserveRequest>,
): { success: true; data: z.input<typeof reserveRequest> } | { success: false; error: z.ZodError } {
  const wire: z.input<typeof reserveRequest> = {
    order_id: request.order_id,
    ...(request.max_total_cents === undefined ? {} : { max_total_cents: request.max_total_cents }),
    items: request.items.map(itemToWire),
  };
  const checked = reserveRequest.safeParse(wire);
  return checked.success ? { success: true, data: wire } : { success: false, error: checked.error };
}

/** The answer to a reservation that holds `lines`; as `reservedResponse.encode`, it throws if one is malformed. */
export function encodeReservedResponse(
  orderId: string,
  lines: readonly ReservedLine[],
): z.input<typeof reservedResponse> {
  const wire = { order_id: orderId, lines: lines.map(reservedLineToWire) };
  reservedResponse.parse(wire);
  return wire;
}

/** Every refusal: a machine-readable `error` and a `message` that says what to do. */
export const problemBody = z.object({
  error: z.string(),
  message: z.string(),
  order_id: z.string().optional(),
});

export type ProblemBody = z.input<typeof problemBody>;

const shortage = z.codec(
  z.object({
    product_id: z.string(),
    name: z.string().nullable().describe("null when no product has this id"),
    requested: z.number().int(),
    available: z.number().int(),
  }),
  z.object({
    productId: z.string(),
    name: z.string().nullable(),
    requested: z.number(),
    available: z.number(),
  }),
  {
    decode: (wire): Shortage => ({
      productId: wire.product_id,
      name: wire.name,
      requested: wire.requested,
      available: wire.available,
    }),
    encode: (item) => ({
      product_id: item.productId,
      name: item.name,
      requested: item.requested,
      available: item.available,
    }),
  },
);

/** 409 when stock is short: nothing was reserved; every short item is listed. */
export const insufficientStockBody = problemBody.extend({
  error: z.literal("insufficient_stock"),
  shortages: z.array(shortage).min(1),
});

/** 409 when a capped reservation would cost more than max_total_cents: nothing was reserved. */
export const aboveLimitBody = problemBody.extend({
  error: z.literal("above_limit"),
  total_cents: z.number().int(),
});

export const releaseResponse = z.object({
  order_id: z.string(),
  /** "released" now, "already_released" earlier, "unknown": nothing was ever reserved (now blocked). */
  result: z.enum(["released", "already_released", "unknown"]),
  /** What this call gave back to stock; empty when nothing was held. */
  restored: z.array(itemCodec({ product_id: z.string(), quantity: z.number().int() })),
  message: z.string(),
});

export type ReleaseResult = z.output<typeof releaseResponse>["result"];

/** POST /internal/quotes: the items of an order about to be placed; nothing is reserved. */
export const quoteRequest = reserveRequest.omit({ order_id: true, max_total_cents: true });

/**
 * What the items would cost at today's prices. order-service reads only the total (to decide whether
 * the user must confirm), the currencies (a total across several means nothing) and the ids that no
 * product has (such an order is rejected anyway, naming them).
 */
export const quoteResponse = z.codec(
  z.object({
    total_cents: z.number().int(),
    currencies: z.array(z.string()),
    unknown: z.array(z.string()),
  }),
  z.object({ totalCents: z.number(), currencies: z.array(z.string()), unknownIds: z.array(z.string()) }),
  {
    decode: (wire) => ({
      totalCents: wire.total_cents,
      currencies: wire.currencies,
      unknownIds: wire.unknown,
    }),
    encode: (quote) => ({
      total_cents: quote.totalCents,
      currencies: quote.currencies,
      unknown: quote.unknownIds,
    }),
  },
);

export type PriceQuote = z.output<typeof quoteResponse>;
