/**
 * What an internal call is, what it answers and how it fails, shared by both clients (index.ts), so a
 * caller's retry rules do not depend on which one carried the call.
 */
export interface InternalRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path and query, starting with "/"; appended to the base URL's own path. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface InternalAnswer {
  status: number;
  /** The body as UTF-8 text ("" when there is none). */
  text: string;
}

export interface InternalHttp {
  request(request: InternalRequest): Promise<InternalAnswer>;
  /** Closes connections kept open between calls (the service is stopping). */
  close(): void;
}

export type InternalHttpErrorCode = "ECONNREFUSED" | "ECONNRESET" | "ETIMEDOUT" | "EPROTO" | "E2BIG";

/**
 * Why a call got no answer. `code` ECONNREFUSED: nothing reached the server. ETIMEDOUT (named
 * TimeoutError, as fetch's timeouts are): no answer within the request's timeout.
 */
export class InternalHttpError extends Error {
  constructor(
    message: string,
    readonly code: InternalHttpErrorCode,
  ) {
    super(message);
    this.name = code === "ETIMEDOUT" ? "TimeoutError" : "InternalHttpError";
  }
}

// A header name or value that could end its line or the head early, or a name with a colon.
const UNSAFE_HEADER_NAME = /[\r\n\0:]/;
const UNSAFE_HEADER_VALUE = /[\r\n\0]/;

/** Why `request` cannot be sent as it is, or undefined; both clients refuse the same requests. */
export function requestProblem(request: InternalRequest): string | undefined {
  if (!request.path.startsWith("/") || /[\s\0]/.test(request.path)) {
    return `path ${JSON.stringify(request.path)} must start with "/" and hold no white space`;
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (name === "" || UNSAFE_HEADER_NAME.test(name) || UNSAFE_HEADER_VALUE.test(value)) {
      return `header ${JSON.stringify(name)} holds a line break, NUL or colon`;
    }
  }
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) {
    return `timeoutMs must be a positive number, not ${request.timeoutMs}`;
  }
  return undefined;
}
