/**
 * POST /internal/reservations/batch: the reservations order-service makes together, in one request.
 *
 * Each entry holds what POST /internal/reservations takes, and the request id of the call it belongs
 * to (for product-service's log lines). product-service checks and answers each entry as that route
 * would have answered it alone: the same status and body, in the same order. So one bad entry is a 400
 * of its own and the others still go through, and order-service reads each answer as it reads a
 * single one. Only the envelope is checked here; the entries are checked one by one with
 * `reserveRequest`. A product-service from before this route answers 404: order-service then sends
 * the reservations one by one.
 */
import { z } from "zod";
import { MAX_RESERVATIONS_PER_BATCH, REQUEST_ID_PATTERN } from "./limits.ts";

export const reserveBatchRequest = z.object({
  reservations: z
    .array(
      z.object({
        request_id: z
          .string({ error: "request_id must be a string" })
          .regex(REQUEST_ID_PATTERN, "request_id must be 1-128 letters, digits, '.', '_', ':' or '-'"),
        reservation: z.unknown(),
      }),
      { error: "reservations must be an array of {request_id, reservation}" },
    )
    .min(1, "reservations must hold at least 1 entry")
    .max(MAX_RESERVATIONS_PER_BATCH, `reservations must hold at most ${MAX_RESERVATIONS_PER_BATCH} entries`),
});

/** One answer per entry, in the entries' order: what POST /internal/reservations would have answered. */
export const reserveBatchResponse = z.object({
  results: z.array(z.object({ status: z.number().int(), body: z.unknown() })),
});

export type ReserveBatchEntry = z.infer<typeof reserveBatchRequest>["reservations"][number];
