/** Opaque list cursors: the last order id of a page, bound to the status filter it was made for. */
import { decodeCursor, encodeCursor } from "service-kit/cursor";

interface ListCursor {
  b: string;
  s: string | null;
}

export function encodeListCursor(lastId: string, status: string | null): string {
  return encodeCursor({ b: lastId, s: status });
}

export function decodeListCursor(cursor: string, status: string | null): string {
  return decodeCursor<ListCursor>(
    cursor,
    (payload) => typeof payload.b === "string" && payload.b.length > 0 && (payload.s ?? null) === status,
    "The cursor does not belong to this listing. Call list_orders without a cursor (same status filter), then pass the next_cursor it returns.",
  ).b;
}
