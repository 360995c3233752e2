/**
 * wrk with bench/wrk/mcp.lua sends a captured request as it is: recorded through the same TCP proxy
 * that captures the clients, the bytes on the wire are the captured head with only Content-Length,
 * the JSON-RPC id and the idempotency key filled in.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { serializeHead } from "./capture/http-parse.ts";
import { type RecordingProxy, startRecordingProxy } from "./capture/recording-proxy.ts";
import { runWrk } from "./wrk.ts";

let upstream: ReturnType<typeof Bun.serve>;
let proxy: RecordingProxy;

beforeAll(async () => {
  upstream = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => new Response(`{"ok":true,"echo":${await request.text()}}`),
  });
  proxy = await startRecordingProxy(upstream.port as number);
});

afterAll(() => {
  proxy?.stop();
  upstream?.stop(true);
});

const CAPTURED = {
  method: "POST",
  path: "/mcp",
  headers: [
    ["host", "placeholder"],
    ["Mcp-Method", "tools/call"],
    ["accept", "application/json, text/event-stream"],
    ["content-length", "0"],
    ["user-agent", "node"],
  ] as [string, string][],
  body: "",
};

describe("runWrk with a captured request", () => {
  test("a body without placeholders is sent as captured, wrk's own headers left out", async () => {
    const host = new URL(proxy.url).host;
    const headers = CAPTURED.headers.map(([n, v]): [string, string] => [n, n === "host" ? host : v]);
    const before = proxy.requests().length;
    const result = await runWrk({
      url: `${proxy.url}/mcp`,
      seconds: 1,
      connections: 1,
      threads: 1,
      body: '{"id":7}',
      headers: { "X-Not-Sent": "wrk's own headers are replaced" },
      expect: '"ok":true',
      rawHead: serializeHead({ ...CAPTURED, headers }, "{{length}}"),
    });
    expect(result.errors.total).toBe(0);
    const sent = proxy.requests().slice(before);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent[0]).toEqual({
      method: "POST",
      path: "/mcp",
      headers: headers.map(([n, v]): [string, string] => [n, n === "content-length" ? "8" : v]),
      body: '{"id":7}',
    });
  });

  test("sends the captured head in order and case, with a fresh id and key per request", async () => {
    const host = new URL(proxy.url).host;
    const head = serializeHead(
      { ...CAPTURED, headers: CAPTURED.headers.map(([n, v]) => [n, n === "host" ? host : v]) },
      "{{length}}",
    );
    const body = '{"jsonrpc":"2.0","id":{{id}},"params":{"idempotency_key":"bench-{{n}}"}}';
    const result = await runWrk({
      url: `${proxy.url}/mcp`,
      seconds: 1,
      connections: 1,
      threads: 1,
      body,
      headers: { "X-Not-Sent": "wrk's own headers are replaced" },
      expect: '"ok":true',
      rawHead: head,
    });
    expect(result.requests).toBeGreaterThan(1);
    expect(result.errors.total).toBe(0);
    const sent = proxy.requests().filter((request) => request.body.includes("idempotency_key"));
    expect(sent.length).toBeGreaterThan(1);
    const [first, second] = sent;
    expect(first?.headers.map(([name]) => name)).toEqual([
      "host",
      "Mcp-Method",
      "accept",
      "content-length",
      "user-agent",
    ]);
    expect(first?.headers[3]?.[1]).toBe(String(Buffer.byteLength(first?.body ?? "")));
    expect(first?.body).toMatch(
      /^\{"jsonrpc":"2\.0","id":\d+,"params":\{"idempotency_key":"bench-\d+-\d+-\d+"\}\}$/,
    );
    expect(second?.body).not.toBe(first?.body);
    const ids = sent.map((request) => (JSON.parse(request.body) as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
