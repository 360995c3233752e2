import { describe, expect, test } from "bun:test";
import { type ParsedAnswer, parseAnswer } from "./answer-parser.ts";

const bytes = (text: string): Buffer => Buffer.from(text, "latin1");

function done(parsed: ParsedAnswer): Extract<ParsedAnswer, { kind: "done" }> {
  if (parsed.kind !== "done") throw new Error("the answer is not complete");
  return parsed;
}

describe("parseAnswer", () => {
  test("Content-Length: partial until every byte is there, then the body and keep-alive", () => {
    const answer =
      'HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}';
    for (let cut = 0; cut < answer.length; cut++) {
      expect(parseAnswer(bytes(answer.slice(0, cut)), "POST", false).kind).toBe("partial");
    }
    const parsed = done(parseAnswer(bytes(answer), "POST", false));
    expect(parsed).toMatchObject({ status: 201, keepAlive: true, extra: false });
    expect(parsed.body.toString()).toBe('{"ok":true}');
  });

  test("a body in UTF-8 keeps its bytes", () => {
    const body = Buffer.from('{"name":"製品 ✓"}');
    const head = bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    expect(done(parseAnswer(Buffer.concat([head, body]), "GET", false)).body.toString("utf8")).toBe(
      '{"name":"製品 ✓"}',
    );
  });

  test("chunked, with a chunk extension and trailers; partial at every cut before its end", () => {
    const answer =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: 1\r\n\r\n";
    for (let cut = 0; cut < answer.length; cut++) {
      expect(parseAnswer(bytes(answer.slice(0, cut)), "GET", false).kind).toBe("partial");
    }
    expect(done(parseAnswer(bytes(answer), "GET", false)).body.toString()).toBe("hello, world");
  });

  test("chunked wins over a Content-Length beside it", () => {
    const answer =
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    expect(done(parseAnswer(bytes(answer), "GET", false)).body.toString()).toBe("ok");
  });

  test("1xx answers are skipped; HEAD, 204 and 304 have no body", () => {
    const informational = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    expect(done(parseAnswer(bytes(informational), "POST", false)).body.toString()).toBe("ok");
    expect(done(parseAnswer(bytes("HTTP/1.1 204 No Content\r\n\r\n"), "DELETE", false))).toMatchObject({
      status: 204,
      extra: false,
    });
    const head = done(parseAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), "HEAD", false));
    expect(head.body.length).toBe(0);
    expect(done(parseAnswer(bytes("HTTP/1.1 304 Not Modified\r\n\r\n"), "GET", false)).status).toBe(304);
  });

  test("an answer with neither length nor chunks runs to the end of the connection, which is not kept", () => {
    const answer = bytes("HTTP/1.1 200 OK\r\n\r\nall of it");
    expect(parseAnswer(answer, "GET", false).kind).toBe("partial");
    const parsed = done(parseAnswer(answer, "GET", true));
    expect(parsed.body.toString()).toBe("all of it");
    expect(parsed.keepAlive).toBe(false);
  });

  test("Connection: close and HTTP/1.0 end keep-alive; HTTP/1.0 with keep-alive keeps it", () => {
    const close = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    expect(done(parseAnswer(bytes(close), "GET", false)).keepAlive).toBe(false);
    const old = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    expect(done(parseAnswer(bytes(old), "GET", false)).keepAlive).toBe(false);
    const oldKept = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
    expect(done(parseAnswer(bytes(oldKept), "GET", false)).keepAlive).toBe(true);
  });

  test("bytes after the answer are reported, so the connection is not used again", () => {
    const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
    expect(done(parseAnswer(bytes(answer), "GET", false)).extra).toBe(true);
  });

  test("malformed answers are protocol errors that say what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["SSH-2.0-OpenSSH\r\n\r\n", /not an HTTP\/1\.x answer/],
      ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /bad Content-Length/],
      ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", /bad Content-Length/],
      ["HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", /malformed header line/],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", /unsupported Transfer-Encoding/],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /bad chunk size/],
      [
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n",
        /does not end where its size says/,
      ],
    ];
    for (const [answer, message] of cases) {
      expect(() => parseAnswer(bytes(answer), "GET", false)).toThrow(message);
    }
  });

  test("a server that closes mid-answer is a protocol error, not a short body", () => {
    expect(() => parseAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Le"), "GET", true)).toThrow(/inside its head/);
    expect(() => parseAnswer(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok"), "GET", true)).toThrow(
      /before its Content-Length/,
    );
    const chunk = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe";
    expect(() => parseAnswer(bytes(chunk), "GET", true)).toThrow(/inside a chunk/);
  });
});
