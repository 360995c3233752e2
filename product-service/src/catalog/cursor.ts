/**
 * Search cursors carry the offset and a fingerprint of the query they belong to, so a cursor reused
 * with different filters is refused instead of silently skipping results.
 */
import { decodeCursor, encodeCursor } from "service-kit";

interface SearchCursor {
  o: number;
  f: string;
}

export function queryFingerprint(parts: readonly unknown[]): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(JSON.stringify(parts));
  return hasher.digest("base64url").slice(0, 16);
}

export function encodeSearchCursor(offset: number, fingerprint: string): string {
  return encodeCursor({ o: offset, f: fingerprint });
}

/**
 * Far beyond any catalogue page; a forged cursor with a larger (or unsafe) offset is refused here
 * rather than by the database ("datatype mismatch" for an OFFSET beyond 64 bits).
 */
const MAX_OFFSET = 10_000_000;

export function decodeSearchCursor(cursor: string, fingerprint: string): number {
  return decodeCursor<SearchCursor>(
    cursor,
    (payload) =>
      typeof payload.o === "number" &&
      Number.isSafeInteger(payload.o) &&
      payload.o >= 0 &&
      payload.o <= MAX_OFFSET &&
      payload.f === fingerprint,
    "The cursor is not valid for this search. Repeat the search without a cursor, then pass the next_cursor it returns.",
  ).o;
}
