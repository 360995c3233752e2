/** Opaque list cursors: the last order id of a page, bound to the status filter it was made for. */
import { decodeCursor, encodeCursor } from "service-kit";

interface ListCursor {
  b: string;
  s: string | null;
}

export function encodeListCursor(lastId: string, status: string | null): string {
  return encodeCursor({ b: lastId, s: status });
}

// What an order id can look like (ids are `ord-<UUIDv7>`); a forged cursor carrying anything else,
// such as a NUL that PostgreSQL cannot store in text, is refused before it reaches SQL.
const ORDER_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export function decodeListCursor(cursor: string, status: string | null): string {
  return decodeCursor<ListCursor>(
    cursor,
    (payload) => typeof payload.b === "string" && ORDER_ID.test(payload.b) && (payload.s ?? null) === status,
    "The cursor does not belong to this listing. Call list_orders without a cursor (same status filter), then pass the next_cursor it returns.",
  ).b;
}
