/**
 * Reads HTTP/1.1 requests out of the bytes a client sent on one connection, and writes one back out:
 * the request line, every header as sent (name case and order kept) and the body bytes.
 */

export interface HttpRequest {
  method: string;
  path: string;
  /** [name, value] pairs in the order and case the client sent them. */
  headers: [string, string][];
  /** The body as UTF-8 text (every MCP body is JSON). Chunked bodies are decoded. */
  body: string;
}

export interface ParsedRequest {
  request: HttpRequest;
  /** Index of the chunk that held the request's first byte. */
  firstChunk: number;
}

const CRLF = "\r\n";
const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function indexOfCrlfCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

function indexOfCrlf(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 1 < bytes.length; i++) if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  return -1;
}

export function headerValue(request: HttpRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  return request.headers.find(([candidate]) => candidate.toLowerCase() === lower)?.[1];
}

/** Decodes a chunked body starting at `start`; returns the body and where the message ends, or null if incomplete. */
function readChunked(bytes: Uint8Array, start: number): { body: Uint8Array; end: number } | null {
  const parts: Uint8Array[] = [];
  let at = start;
  for (;;) {
    const lineEnd = indexOfCrlf(bytes, at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(latin1.decode(bytes.subarray(at, lineEnd)).split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size in a captured request");
    at = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = indexOfCrlfCrlf(bytes, at - 2);
      if (trailerEnd < 0) return null;
      return { body: concat(parts), end: trailerEnd + 4 };
    }
    if (at + size + 2 > bytes.length) return null;
    parts.push(bytes.subarray(at, at + size));
    at += size + 2;
  }
}

/** Every complete request in the bytes of one connection; an incomplete tail is left out. */
export function parseRequests(chunks: Uint8Array[]): ParsedRequest[] {
  const bytes = concat(chunks);
  const chunkStarts: number[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    chunkStarts.push(offset);
    offset += chunk.length;
  }
  const chunkOf = (position: number): number => {
    let index = 0;
    while (index + 1 < chunkStarts.length && (chunkStarts[index + 1] ?? 0) <= position) index++;
    return index;
  };
  const out: ParsedRequest[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = indexOfCrlfCrlf(bytes, at);
    if (headEnd < 0) break;
    const [requestLine = "", ...lines] = latin1.decode(bytes.subarray(at, headEnd)).split(CRLF);
    const [method = "", path = ""] = requestLine.split(" ");
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const partial: HttpRequest = { method, path, headers, body: "" };
    const bodyStart = headEnd + 4;
    let end: number;
    if (headerValue(partial, "transfer-encoding")?.toLowerCase() === "chunked") {
      const chunked = readChunked(bytes, bodyStart);
      if (!chunked) break;
      partial.body = utf8.decode(chunked.body);
      end = chunked.end;
    } else {
      const length = Number(headerValue(partial, "content-length") ?? 0);
      if (bodyStart + length > bytes.length) break;
      partial.body = utf8.decode(bytes.subarray(bodyStart, bodyStart + length));
      end = bodyStart + length;
    }
    out.push({ request: partial, firstChunk: chunkOf(at) });
    at = end;
  }
  return out;
}

/**
 * The request line and headers as they go on the wire, ending with the blank line. Content-Length
 * keeps the position and case the client gave it, with `length` as its value (a body of varying size,
 * e.g. a fresh idempotency key each time, gets its length filled in per request); a chunked request
 * is sent with Content-Length instead.
 */
export function serializeHead(request: HttpRequest, length: string): string {
  let sawLength = false;
  const lines = request.headers.flatMap(([name, value]): string[] => {
    const lower = name.toLowerCase();
    if (lower === "transfer-encoding") return [];
    if (lower === "content-length") {
      sawLength = true;
      return [`${name}: ${length}`];
    }
    return [`${name}: ${value}`];
  });
  if (!sawLength && request.body !== "") lines.push(`content-length: ${length}`);
  return `${request.method} ${request.path} HTTP/1.1${CRLF}${lines.join(CRLF)}${CRLF}${CRLF}`;
}

/** One header replaced (kept in place, name case kept) or removed (value undefined). */
export function withHeader(request: HttpRequest, name: string, value: string | undefined): HttpRequest {
  const lower = name.toLowerCase();
  const headers = request.headers.flatMap(([candidate, old]): [string, string][] => {
    if (candidate.toLowerCase() !== lower) return [[candidate, old]];
    return value === undefined ? [] : [[candidate, value]];
  });
  return { ...request, headers };
}
