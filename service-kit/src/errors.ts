/**
 * Typed domain errors. Domain code throws these; adapters turn them into MCP `isError` results or
 * HTTP statuses with the message as written, so every message must say what was wrong and what to do.
 */
export type DomainErrorKind = "not_found" | "invalid" | "conflict" | "unavailable" | "forbidden";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** True when the same call may succeed later unchanged (a dependency was down, a lock was busy). */
    readonly retryable: boolean = kind === "unavailable",
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
