/**
 * Opaque pagination cursors: a small JSON payload in base64url. Callers decide what goes in and how to
 * check it; anything that does not decode or check out is refused with the caller's own advice.
 */
import { DomainError } from "./errors.ts";

export function encodeCursor(payload: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

/** Decodes `cursor` and returns it when `isValid` accepts it; otherwise throws DomainError("invalid", advice). */
export function decodeCursor<T>(
  cursor: string,
  isValid: (payload: Partial<T>) => boolean,
  advice: string,
): T {
  let payload: Partial<T> | undefined;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<T>;
  } catch {
    payload = undefined;
  }
  if (typeof payload !== "object" || payload === null || !isValid(payload)) {
    throw new DomainError("invalid", advice);
  }
  return payload as T;
}
