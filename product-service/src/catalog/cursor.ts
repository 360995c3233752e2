/**
 * Opaque pagination cursors. A cursor carries the offset and a fingerprint of the query it belongs
 * to, so a cursor reused with different filters is refused instead of silently skipping results.
 */
import { DomainError } from "service-kit/errors";

interface CursorPayload {
  o: number;
  f: string;
}

export function queryFingerprint(parts: readonly unknown[]): string {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(JSON.stringify(parts));
  return hasher.digest("base64url").slice(0, 16);
}

export function encodeCursor(offset: number, fingerprint: string): string {
  const payload: CursorPayload = { o: offset, f: fingerprint };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

export function decodeCursor(cursor: string, fingerprint: string): number {
  const invalid = new DomainError(
    "invalid",
    "The cursor is not valid for this search. Repeat the search without a cursor, then pass the next_cursor it returns.",
  );
  let payload: Partial<CursorPayload>;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<CursorPayload>;
  } catch {
    throw invalid;
  }
  if (
    typeof payload.o !== "number" ||
    !Number.isInteger(payload.o) ||
    payload.o < 0 ||
    payload.f !== fingerprint
  ) {
    throw invalid;
  }
  return payload.o;
}
