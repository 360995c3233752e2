import { describe, expect, test } from "bun:test";
import { parseRequests, serializeHead, withHeader } from "./http-parse.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("parseRequests", () => {
  test("reads pipelined requests split across chunks, keeping header case and order", () => {
    const wire =
      'POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:1\r\nAccept: a, b\r\ncontent-length: 7\r\n\r\n{"a":1}' +
      "GET /mcp HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n";
    const parsed = parseRequests([bytes(wire.slice(0, 30)), bytes(wire.slice(30))]);
    expect(parsed.map((item) => item.request)).toEqual([
      {
        method: "POST",
        path: "/mcp",
        headers: [
          ["host", "127.0.0.1:1"],
          ["Accept", "a, b"],
          ["content-length", "7"],
        ],
        body: '{"a":1}',
      },
      { method: "GET", path: "/mcp", headers: [["host", "127.0.0.1:1"]], body: "" },
    ]);
    expect(parsed.map((item) => item.firstChunk)).toEqual([0, 1]);
  });

  test("decodes a chunked body and leaves an incomplete request out", () => {
    const wire =
      'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n' +
      "POST /y HTTP/1.1\r\ncontent-length: 10\r\n\r\n{";
    const parsed = parseRequests([bytes(wire)]);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]?.request.body).toBe('{"a":1}');
  });
});

describe("serializeHead", () => {
  test("writes the headers back in order, Content-Length in its place, with the given length", () => {
    const request = {
      method: "POST",
      path: "/mcp",
      headers: [
        ["host", "h:1"],
        ["content-length", "3"],
        ["Mcp-Method", "tools/call"],
      ] as [string, string][],
      body: "abc",
    };
    expect(serializeHead(withHeader(request, "HOST", "h:2"), "{{length}}")).toBe(
      "POST /mcp HTTP/1.1\r\nhost: h:2\r\ncontent-length: {{length}}\r\nMcp-Method: tools/call\r\n\r\n",
    );
    expect(withHeader(request, "mcp-method", undefined).headers.map(([name]) => name)).toEqual([
      "host",
      "content-length",
    ]);
  });
});
