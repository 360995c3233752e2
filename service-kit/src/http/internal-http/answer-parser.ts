/**
 * Reads one HTTP/1.x answer from the bytes a connection received so far: whether it is complete, and
 * if so its status, body and whether the connection may carry another call. Framing follows RFC 9112:
 * 1xx answers are skipped, HEAD/204/304 have no body, chunked beats Content-Length, and an answer
 * with neither runs to the end of the connection. Anything else malformed is an EPROTO error, since a
 * connection that framed one answer wrongly cannot be trusted with the next.
 */
import { InternalHttpError } from "./internal-http.ts";

export type ParsedAnswer =
  | { kind: "partial" }
  | {
      kind: "done";
      status: number;
      body: Buffer;
      /** The server lets the connection carry another call. */
      keepAlive: boolean;
      /** Bytes followed the answer that no request asked for. */
      extra: boolean;
    };

const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");
const PARTIAL: ParsedAnswer = { kind: "partial" };

function protocolError(message: string): InternalHttpError {
  return new InternalHttpError(message, "EPROTO");
}

/** `atEnd`: the server has closed, so nothing more will come. */
export function parseAnswer(bytes: Buffer, method: string, atEnd: boolean): ParsedAnswer {
  let start = 0;
  for (;;) {
    const headEnd = bytes.indexOf(HEAD_END, start);
    if (headEnd === -1) {
      if (atEnd) throw protocolError("the answer ended inside its head");
      return PARTIAL;
    }
    const lines = bytes.subarray(start, headEnd).toString("latin1").split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? "");
    if (!statusLine) throw protocolError(`not an HTTP/1.x answer: ${JSON.stringify(lines[0]?.slice(0, 80))}`);
    const status = Number(statusLine[2]);
    const bodyStart = headEnd + HEAD_END.length;
    if (status < 200) {
      // 100 Continue, 103 Early Hints: the real answer follows.
      start = bodyStart;
      continue;
    }
    const head = readHeaders(lines, statusLine[1] === "1");
    if (method === "HEAD" || status === 204 || status === 304) {
      return {
        kind: "done",
        status,
        body: Buffer.alloc(0),
        keepAlive: head.keepAlive,
        extra: bytes.length > bodyStart,
      };
    }
    if (head.chunked) return parseChunked(bytes, bodyStart, status, head.keepAlive, atEnd);
    if (head.length !== undefined) {
      const end = bodyStart + head.length;
      if (bytes.length < end) {
        if (atEnd) throw protocolError("the answer ended before its Content-Length");
        return PARTIAL;
      }
      return {
        kind: "done",
        status,
        body: bytes.subarray(bodyStart, end),
        keepAlive: head.keepAlive,
        extra: bytes.length > end,
      };
    }
    if (!atEnd) return PARTIAL;
    return { kind: "done", status, body: bytes.subarray(bodyStart), keepAlive: false, extra: false };
  }
}

function readHeaders(
  lines: string[],
  http11: boolean,
): { length: number | undefined; chunked: boolean; keepAlive: boolean } {
  let length: number | undefined;
  let chunked = false;
  let keepAlive = http11;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) throw protocolError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
        throw protocolError(`bad Content-Length ${JSON.stringify(value)}`);
      }
      length = Number(value);
    } else if (name === "transfer-encoding") {
      chunked = value.toLowerCase().split(",").pop()?.trim() === "chunked";
      if (!chunked) throw protocolError(`unsupported Transfer-Encoding ${JSON.stringify(value)}`);
    } else if (name === "connection") {
      const tokens = value
        .toLowerCase()
        .split(",")
        .map((token) => token.trim());
      if (tokens.includes("close")) keepAlive = false;
      else if (tokens.includes("keep-alive")) keepAlive = true;
    }
  }
  return { length, chunked, keepAlive };
}

function parseChunked(
  bytes: Buffer,
  from: number,
  status: number,
  keepAlive: boolean,
  atEnd: boolean,
): ParsedAnswer {
  const partial = (): ParsedAnswer => {
    if (atEnd) throw protocolError("the answer ended inside a chunk");
    return PARTIAL;
  };
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = bytes.indexOf(CRLF, at);
    if (lineEnd === -1) return partial();
    const sizeText = bytes.subarray(at, lineEnd).toString("latin1").split(";")[0]?.trim() ?? "";
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText))
      throw protocolError(`bad chunk size ${JSON.stringify(sizeText)}`);
    const size = Number.parseInt(sizeText, 16);
    at = lineEnd + CRLF.length;
    if (size === 0) {
      // Trailer lines, if any, then an empty line.
      if (bytes.length < at + CRLF.length) return partial();
      let end = at + CRLF.length;
      if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a) {
        const trailersEnd = bytes.indexOf(HEAD_END, at);
        if (trailersEnd === -1) return partial();
        end = trailersEnd + HEAD_END.length;
      }
      return { kind: "done", status, body: Buffer.concat(parts), keepAlive, extra: bytes.length > end };
    }
    if (bytes.length < at + size + CRLF.length) return partial();
    if (bytes[at + size] !== 0x0d || bytes[at + size + 1] !== 0x0a) {
      throw protocolError("a chunk does not end where its size says");
    }
    parts.push(bytes.subarray(at, at + size));
    at += size + CRLF.length;
  }
}
