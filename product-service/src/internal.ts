/**
 * The internal reservation API that order-service calls (not an MCP tool):
 *   POST   /internal/reservations            {order_id, items: [{product_id, quantity}]}
 *   DELETE /internal/reservations/{order_id}
 *   POST   /internal/quotes                  {items: [{product_id, quantity}]}: prices, reserves nothing
 * Thin adapter: service token, zod validation, then the Reservations domain. Errors are JSON
 * `{error, message}` with a message that says what to do.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isDomainError } from "service-kit/errors";
import type { Logger } from "service-kit/log";
import type { KitRoute } from "service-kit/service";
import { z } from "zod";
import type { Catalog } from "./catalog/catalog.ts";
import type { Reservations } from "./reservations/reservations.ts";
import type { ReservedLine, Shortage } from "./reservations/types.ts";

const orderId = z
  .string({ error: "order_id must be a string" })
  .regex(/^[A-Za-z0-9._:-]{1,100}$/, "order_id must be 1-100 letters, digits, '.', '_', ':' or '-'");

const reservationBody = z.object({
  order_id: orderId,
  items: z
    .array(
      z.object({
        product_id: z
          .string({ error: "product_id must be a string" })
          .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "product_id must look like p002"),
        quantity: z
          .number({ error: "quantity must be a number" })
          .int("quantity must be a whole number")
          .min(1, "quantity must be at least 1")
          .max(100, "quantity must be at most 100"),
      }),
      { error: "items must be an array of {product_id, quantity}" },
    )
    .min(1, "items must hold at least 1 line")
    .max(20, "items must hold at most 20 lines"),
});

const quoteBody = reservationBody.omit({ order_id: true });

export interface InternalApiOptions {
  reservations: Reservations;
  catalog: Catalog;
  log: Logger;
  /** The current service token; a function so a token read later (from SSM) is picked up. */
  token: () => string | undefined;
  /** True when the server listens beyond loopback: then a token is always required. */
  requireToken: boolean;
}

function problem(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): Response {
  return Response.json({ error, message, ...extra }, { status });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Compares hashes so the time taken says nothing about how much of the token was right. */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function presentedToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) return header.slice(7).trim();
  return request.headers.get("x-internal-token") ?? undefined;
}

function checkToken(request: Request, options: InternalApiOptions): Response | undefined {
  const expected = options.token();
  if (expected === undefined) {
    if (!options.requireToken) return undefined;
    return problem(
      503,
      "not_configured",
      "The internal service token is not loaded yet; retry in a few seconds.",
    );
  }
  const given = presentedToken(request);
  if (given !== undefined && sameToken(given, expected)) return undefined;
  return problem(
    401,
    "unauthorized",
    "This internal API needs the service token: send Authorization: Bearer <INTERNAL_TOKEN> or X-Internal-Token.",
  );
}

function presentLine(line: ReservedLine): Record<string, unknown> {
  return {
    product_id: line.productId,
    name: line.name,
    quantity: line.quantity,
    unit_price_cents: line.unitPriceCents,
    unit_price: line.unitPriceCents / 100,
    currency: line.currency,
    line_total_cents: line.unitPriceCents * line.quantity,
  };
}

export function describeShortage(shortage: Shortage): string {
  if (shortage.name === null) return `${shortage.productId}: no such product`;
  return `${shortage.productId} (${shortage.name}): ${shortage.requested} requested, ${shortage.available} left`;
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

async function reserve(request: Request, options: InternalApiOptions): Promise<Response> {
  const denied = checkToken(request, options);
  if (denied) return denied;
  const body = await readJson(request);
  if (body === undefined)
    return problem(
      400,
      "invalid_request",
      "The body must be JSON: {order_id, items: [{product_id, quantity}]}.",
    );
  const parsed = reservationBody.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` (at ${first.path.join(".")})` : "";
    return problem(400, "invalid_request", `${first?.message ?? "invalid body"}${where}.`);
  }
  const { order_id: id, items } = parsed.data;
  const outcome = await options.reservations.reserve(
    id,
    items.map((item) => ({ productId: item.product_id, quantity: item.quantity })),
  );
  switch (outcome.kind) {
    case "reserved": {
      const totalCents = outcome.lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
      const headers = { "idempotent-replayed": String(outcome.replayed) };
      const result = {
        order_id: id,
        status: "reserved",
        lines: outcome.lines.map(presentLine),
        total_cents: totalCents,
        total: totalCents / 100,
        currency: outcome.lines[0]?.currency ?? "USD",
      };
      if (!outcome.replayed) options.log.info("stock reserved", { orderId: id, lines: outcome.lines.length });
      return Response.json(result, { status: outcome.replayed ? 200 : 201, headers });
    }
    case "short":
      return problem(
        409,
        "insufficient_stock",
        `Not enough stock, nothing was reserved: ${outcome.shortages.map(describeShortage).join("; ")}.`,
        {
          order_id: id,
          shortages: outcome.shortages.map((shortage) => ({
            product_id: shortage.productId,
            name: shortage.name,
            requested: shortage.requested,
            available: shortage.available,
          })),
        },
      );
    case "items_differ":
      return problem(
        409,
        "idempotency_conflict",
        `Order ${id} already holds a reservation for other items; a repeat must send the same items, a new order needs a new order_id.`,
        { order_id: id },
      );
    case "released":
      return problem(
        409,
        "reservation_released",
        `The reservation of order ${id} was released (the order was cancelled); reserve again under a new order_id.`,
        { order_id: id },
      );
  }
}

/** What an order would cost at today's prices (order-service asks the user above a limit); reserves nothing. */
async function quote(request: Request, options: InternalApiOptions): Promise<Response> {
  const denied = checkToken(request, options);
  if (denied) return denied;
  const parsed = quoteBody.safeParse(await readJson(request));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` (at ${first.path.join(".")})` : "";
    return problem(400, "invalid_request", `${first?.message ?? "invalid body"}${where}.`);
  }
  const lines: Record<string, unknown>[] = [];
  const unknown: string[] = [];
  let totalCents = 0;
  for (const item of parsed.data.items) {
    try {
      const product = await options.catalog.getProduct(item.product_id);
      totalCents += product.priceCents * item.quantity;
      lines.push({
        product_id: product.id,
        name: product.name,
        quantity: item.quantity,
        unit_price_cents: product.priceCents,
        currency: product.currency,
      });
    } catch (error) {
      if (!isDomainError(error) || error.kind !== "not_found") throw error;
      unknown.push(item.product_id);
    }
  }
  return Response.json({ lines, unknown, total_cents: totalCents, total: totalCents / 100 });
}

async function release(request: Request, options: InternalApiOptions): Promise<Response> {
  const denied = checkToken(request, options);
  if (denied) return denied;
  const raw = decodeURIComponent(new URL(request.url).pathname.split("/").pop() ?? "");
  const parsed = orderId.safeParse(raw);
  if (!parsed.success)
    return problem(400, "invalid_request", `${parsed.error.issues[0]?.message ?? "bad order_id"}.`);
  const outcome = await options.reservations.release(parsed.data);
  const messages = {
    released: `Released the reservation of order ${outcome.orderId}; its stock is back.`,
    already_released: `The reservation of order ${outcome.orderId} was already released; nothing changed.`,
    unknown: `Order ${outcome.orderId} held no reservation; nothing changed, and it can no longer reserve stock.`,
  } as const;
  if (outcome.result === "released") options.log.info("stock released", { orderId: outcome.orderId });
  return Response.json({
    order_id: outcome.orderId,
    result: outcome.result,
    restored: outcome.restored.map((line) => ({ product_id: line.productId, quantity: line.quantity })),
    message: messages[outcome.result],
  });
}

export function internalRoutes(options: InternalApiOptions): KitRoute[] {
  return [
    { method: "POST", path: "/internal/reservations", handle: (request) => reserve(request, options) },
    { method: "POST", path: "/internal/quotes", handle: (request) => quote(request, options) },
    {
      method: "DELETE",
      path: "/internal/reservations/:order_id",
      handle: (request) => release(request, options),
    },
  ];
}
