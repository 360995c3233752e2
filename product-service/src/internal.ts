/**
 * The internal reservation API that order-service calls (not an MCP tool):
 *   POST   /internal/reservations            {order_id, items: [{product_id, quantity}], max_total_cents?}
 *   POST   /internal/reservations/batch      {reservations: [{request_id, reservation}]}: each answered
 *                                            as the route above would answer it alone
 *   DELETE /internal/reservations/{order_id}
 *   POST   /internal/quotes                  {items: [{product_id, quantity}]}: prices, reserves nothing
 * Thin adapter: the bodies are the shared contract's (reservation-contract, which order-service's client
 * parses with), then the Reservations domain. The kit guards these routes (root only,
 * Origin/Host, the service token, JSON only; service-kit/src/http/internal-routes.ts). Errors are JSON
 * `{error, message}` with a message that says what to do.
 */
import {
  aboveLimitBody,
  describeShortages,
  encodeReservedResponse,
  insufficientStockBody,
  orderIdSchema,
  type ProblemBody,
  quoteRequest,
  quoteResponse,
  releaseResponse,
  reserveBatchRequest,
  reserveBatchResponse,
  reserveRequest,
} from "reservation-contract";
import { isDomainError, type KitRoute, type Logger, type RequestContext } from "service-kit";
import type { z } from "zod";
import type { Catalog } from "./catalog/catalog.ts";
import type { Reservations } from "./reservations/reservations.ts";

export interface InternalApiOptions {
  reservations: Reservations;
  catalog: Catalog;
  log: Logger;
}

/** A status and a JSON body: what a route answers, or one entry of a batch's answer. */
interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function respond(answer: Answer): Response {
  return Response.json(answer.body, { status: answer.status, headers: answer.headers });
}

function problemAnswer(status: number, error: string, message: string, orderId?: string): Answer {
  const body: ProblemBody = { error, message, order_id: orderId };
  return { status, body };
}

function problem(status: number, error: string, message: string, orderId?: string): Response {
  return respond(problemAnswer(status, error, message, orderId));
}

/** 400 naming the first thing wrong with a body and where it is. */
function invalidBodyAnswer(error: z.ZodError): Answer {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? ` (at ${first.path.join(".")})` : "";
  return problemAnswer(400, "invalid_request", `${first?.message ?? "invalid body"}${where}.`);
}

function invalidBody(error: z.ZodError): Response {
  return respond(invalidBodyAnswer(error));
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

/** Runs `handle` on the body read as JSON; a body that is not JSON gets a 400 naming the shape expected. */
async function withJsonBody(
  request: Request,
  shape: string,
  handle: (body: unknown) => Promise<Response>,
): Promise<Response> {
  const body = await readJson(request);
  if (body === undefined) return problem(400, "invalid_request", `The body must be JSON: ${shape}.`);
  return handle(body);
}

function reserve(request: Request, context: RequestContext, options: InternalApiOptions): Promise<Response> {
  return withJsonBody(request, "{order_id, items: [{product_id, quantity}]}", async (body) =>
    respond(await reserveOne(body, context.requestId, options)),
  );
}

/**
 * Reservations that arrive together in one request: each is answered as if it came alone. They run
 * side by side, so they share a commit as concurrent single requests do. An entry that fails outright
 * (the database is down) fails the whole request with a 500, which order-service retries whole: every
 * entry is idempotent on its order id, so the ones already written are replayed.
 */
function reserveBatch(
  request: Request,
  context: RequestContext,
  options: InternalApiOptions,
): Promise<Response> {
  return withJsonBody(request, "{reservations: [{request_id, reservation}]}", async (body) => {
    const parsed = reserveBatchRequest.safeParse(body);
    if (!parsed.success) return invalidBody(parsed.error);
    const entries = parsed.data.reservations;
    context.fields.reservations = entries.length;
    const settled = await Promise.allSettled(
      entries.map((entry) => reserveOne(entry.reservation, entry.request_id, options)),
    );
    const results = settled.map((outcome) => {
      if (outcome.status === "rejected") throw outcome.reason;
      return { status: outcome.value.status, body: outcome.value.body };
    });
    // The schema has no codec, so parse checks what encode would, on zod's compiled validator.
    return Response.json(reserveBatchResponse.parse({ results }));
  });
}

/** One reservation request's answer, whichever route it came by. */
async function reserveOne(body: unknown, requestId: string, options: InternalApiOptions): Promise<Answer> {
  const parsed = reserveRequest.safeParse(body);
  if (!parsed.success) return invalidBodyAnswer(parsed.error);
  const { order_id: id, items, max_total_cents: maxTotalCents } = parsed.data;
  const outcome = await options.reservations.reserve(id, items, maxTotalCents);
  switch (outcome.kind) {
    case "reserved": {
      const headers = { "idempotent-replayed": String(outcome.replayed) };
      const result = encodeReservedResponse(id, outcome.lines);
      if (!outcome.replayed)
        options.log.info("stock reserved", { requestId, orderId: id, lines: outcome.lines.length });
      return { status: outcome.replayed ? 200 : 201, body: result, headers };
    }
    case "short": {
      const body = insufficientStockBody.encode({
        error: "insufficient_stock",
        message: `Not enough stock, nothing was reserved: ${describeShortages(outcome.shortages)}.`,
        order_id: id,
        shortages: outcome.shortages,
      });
      return { status: 409, body };
    }
    case "above_limit": {
      const body = aboveLimitBody.encode({
        error: "above_limit",
        message: `The order would cost ${outcome.totalCents} cents, above the ${maxTotalCents} cents it may cost without the user's confirmation; nothing was reserved.`,
        order_id: id,
        total_cents: outcome.totalCents,
      });
      return { status: 409, body };
    }
    case "mixed_currencies":
      // 400 with a message: order-service rejects the order with these words.
      return problemAnswer(400, "mixed_currencies", outcome.message, id);
    case "items_differ":
      return problemAnswer(
        409,
        "idempotency_conflict",
        `Order ${id} already holds a reservation for other items; a repeat must send the same items, a new order needs a new order_id.`,
        id,
      );
    case "released":
      return problemAnswer(
        409,
        "reservation_released",
        `The reservation of order ${id} was released (the order was cancelled); reserve again under a new order_id.`,
        id,
      );
  }
}

/** What items would cost at today's prices (order-service asks the user above a limit); reserves nothing. */
async function quote(request: Request, options: InternalApiOptions): Promise<Response> {
  const parsed = quoteRequest.safeParse(await readJson(request));
  if (!parsed.success) return invalidBody(parsed.error);
  let totalCents = 0;
  const currencies = new Set<string>();
  const unknownIds: string[] = [];
  for (const item of parsed.data.items) {
    try {
      const product = await options.catalog.getProduct(item.productId);
      totalCents += product.priceCents * item.quantity;
      currencies.add(product.currency);
    } catch (error) {
      if (!isDomainError(error) || error.kind !== "not_found") throw error;
      unknownIds.push(item.productId);
    }
  }
  return Response.json(quoteResponse.encode({ totalCents, currencies: [...currencies], unknownIds }));
}

/** The order id at the end of the path, or undefined when its percent-encoding is broken. */
function orderIdInPath(request: Request): string | undefined {
  try {
    return decodeURIComponent(new URL(request.url).pathname.split("/").pop() ?? "");
  } catch {
    return undefined;
  }
}

async function release(request: Request, options: InternalApiOptions): Promise<Response> {
  const raw = orderIdInPath(request);
  if (raw === undefined)
    return problem(400, "invalid_request", "The order id in the path is not valid percent-encoding.");
  const parsed = orderIdSchema.safeParse(raw);
  if (!parsed.success)
    return problem(400, "invalid_request", `${parsed.error.issues[0]?.message ?? "bad order_id"}.`);
  const outcome = await options.reservations.release(parsed.data);
  const messages = {
    released: `Released the reservation of order ${outcome.orderId}; its stock is back.`,
    already_released: `The reservation of order ${outcome.orderId} was already released; nothing changed.`,
    unknown: `Order ${outcome.orderId} held no reservation; nothing changed, and it can no longer reserve stock.`,
  } as const;
  if (outcome.result === "released") options.log.info("stock released", { orderId: outcome.orderId });
  return Response.json(
    releaseResponse.encode({
      order_id: outcome.orderId,
      result: outcome.result,
      restored: outcome.restored,
      message: messages[outcome.result],
    }),
  );
}

export function internalRoutes(options: InternalApiOptions): KitRoute[] {
  return [
    {
      method: "POST",
      path: "/internal/reservations",
      handle: (request, context) => reserve(request, context, options),
    },
    {
      method: "POST",
      path: "/internal/reservations/batch",
      handle: (request, context) => reserveBatch(request, context, options),
    },
    { method: "POST", path: "/internal/quotes", handle: (request) => quote(request, options) },
    {
      method: "DELETE",
      path: "/internal/reservations/:order_id",
      handle: (request) => release(request, options),
    },
  ];
}
