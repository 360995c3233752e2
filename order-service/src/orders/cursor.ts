/** Opaque list cursors: the last order id of a page, bound to the status filter it was made for. */
import { DomainError } from "service-kit/errors";

interface CursorPayload {
  b: string;
  s: string | null;
}

export function encodeCursor(lastId: string, status: string | null): string {
  const payload: CursorPayload = { b: lastId, s: status };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

export function decodeCursor(cursor: string, status: string | null): string {
  const invalid = new DomainError(
    "invalid",
    "The cursor does not belong to this listing. Call list_orders without a cursor (same status filter), then pass the next_cursor it returns.",
  );
  let payload: Partial<CursorPayload>;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<CursorPayload>;
  } catch {
    throw invalid;
  }
  if (typeof payload.b !== "string" || payload.b.length === 0 || (payload.s ?? null) !== status)
    throw invalid;
  return payload.b;
}
