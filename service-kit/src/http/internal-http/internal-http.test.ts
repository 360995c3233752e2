/**
 * Both internal clients against the same real servers on loopback: a caller must not be able to tell
 * which one carried its call, in answers or in failures.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { FetchHttpClient } from "./fetch-client.ts";
import { createInternalHttp } from "./index.ts";
import type { InternalHttp } from "./internal-http.ts";
import { SocketHttpClient } from "./socket-client.ts";

const seen: { method: string; path: string; headers: Record<string, string>; body: string }[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    const body = await request.text();
    seen.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: request.headers.toJSON(),
      body,
    });
    if (url.pathname.endsWith("/silent")) return new Promise<Response>(() => undefined);
    if (url.pathname.endsWith("/missing")) return Response.json({ error: "not_found" }, { status: 404 });
    if (url.pathname.endsWith("/gone")) return new Response(null, { status: 204 });
    if (url.pathname.endsWith("/stream")) {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"part":1,'));
          controller.enqueue(new TextEncoder().encode('"name":"製品"}'));
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "application/json" } });
    }
    return Response.json({ echo: body ? JSON.parse(body) : null });
  },
});
afterAll(() => server.stop(true));

const base = `http://127.0.0.1:${server.port}/api`;
const clients: [string, (url: string) => InternalHttp][] = [
  ["socket client", (url) => new SocketHttpClient(url)],
  ["fetch client", (url) => new FetchHttpClient(url)],
];

describe.each(clients)("%s", (_name, make) => {
  test("a POST reaches the base URL's path with its headers and body, and its answer comes back", async () => {
    const client = make(base);
    seen.length = 0;
    const answer = await client.request({
      method: "POST",
      path: "/internal/reservations?x=1",
      headers: { "x-request-id": "req-1", authorization: "Bearer token", "content-type": "application/json" },
      body: JSON.stringify({ order_id: "o-1", note: "製品 ✓" }),
      timeoutMs: 2000,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ echo: { order_id: "o-1", note: "製品 ✓" } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "POST",
      path: "/api/internal/reservations?x=1",
      headers: { "x-request-id": "req-1", authorization: "Bearer token", "content-type": "application/json" },
    });
    client.close();
  });

  test("4xx, 204 and streamed (chunked) answers come back as they were sent", async () => {
    const client = make(base);
    const missing = await client.request({ method: "GET", path: "/missing", timeoutMs: 2000 });
    expect(missing).toEqual({ status: 404, text: '{"error":"not_found"}' });
    const gone = await client.request({ method: "DELETE", path: "/gone", timeoutMs: 2000 });
    expect(gone).toEqual({ status: 204, text: "" });
    const streamed = await client.request({ method: "GET", path: "/stream", timeoutMs: 2000 });
    expect(JSON.parse(streamed.text)).toEqual({ part: 1, name: "製品" });
    client.close();
  });

  test("no answer within the timeout: a TimeoutError with code ETIMEDOUT, in about that time", async () => {
    const client = make(base);
    const started = performance.now();
    const error = await client.request({ method: "GET", path: "/silent", timeoutMs: 150 }).catch((e) => e);
    const waited = performance.now() - started;
    expect(error).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2000);
    client.close();
  });

  test("a closed port: code ECONNREFUSED, so the caller knows nothing arrived", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const client = make(url);
    const error = await client.request({ method: "GET", path: "/", timeoutMs: 2000 }).catch((e) => e);
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
  });

  test("a header or path that could split the request is refused before anything is sent", async () => {
    const client = make(base);
    seen.length = 0;
    const header = await client
      .request({ method: "GET", path: "/", headers: { "x-request-id": "a\r\nx-admin: 1" }, timeoutMs: 500 })
      .catch((e) => e);
    expect(String(header)).toContain('header "x-request-id" holds a line break');
    const path = await client.request({ method: "GET", path: "/a b", timeoutMs: 500 }).catch((e) => e);
    expect(String(path)).toContain("must start with");
    expect(seen).toHaveLength(0);
    client.close();
  });
});

describe("createInternalHttp", () => {
  test("plain http goes over sockets; https and URLs with credentials go through fetch", () => {
    expect(createInternalHttp("http://product-service.local:3001")).toBeInstanceOf(SocketHttpClient);
    expect(createInternalHttp("https://products.example.com")).toBeInstanceOf(FetchHttpClient);
    expect(createInternalHttp("http://user:secret@127.0.0.1:3001")).toBeInstanceOf(FetchHttpClient);
  });
});
