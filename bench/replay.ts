/**
 * Loads for the benchmark built from the captured requests (bench/requests): the bytes a real client
 * sent, with only the per-run parts replaced (Host port, session id, Content-Length, a fresh
 * idempotency key per create_order). A 2025 session is opened first with the client's own captured
 * initialize and notifications/initialized, and the GET stream the client opens after them is held
 * open while the case runs, as the client holds it.
 */

import { type CapturedClient, type CapturedTool, loadFixture, rpcMethod } from "./capture/fixtures.ts";
import { type HttpRequest, headerValue, serializeHead, withHeader } from "./capture/http-parse.ts";
import type { CaseLoad } from "./measure.ts";

/** How a case sends a captured call. */
export type Way =
  /** Exactly as the client sent it (2026-07-28 for SDK v2, a 2025-11-25 session for the others). */
  | { client: CapturedClient; stateless?: false }
  /** SDK v1's call without Mcp-Session-Id: what that client sends to a server that gave no session. */
  | { client: "sdk-v1"; stateless: true };

export const EXPECT: Record<CapturedTool, string> = {
  get_product: '"id":"p002"',
  search_products: '"total":',
  create_order: '"status":"confirmed"',
};

/** The captured tools/call, ready for `baseUrl`: Host, session and idempotency key replaced. */
export async function capturedLoad(way: Way, tool: CapturedTool, baseUrl: string): Promise<CaseLoad> {
  const fixture = loadFixture(way.client);
  const host = new URL(baseUrl).host;
  let request = withHeader(fixture.calls[tool], "host", host);
  let close: (() => void) | undefined;
  if (way.stateless) request = withHeader(request, "mcp-session-id", undefined);
  else if (headerValue(request, "mcp-session-id") !== undefined) {
    const session = await openCapturedSession(way.client, baseUrl);
    request = withHeader(request, "mcp-session-id", session.sessionId);
    close = session.close;
  }
  // Inside wrk (bench/wrk/mcp.lua) "{{n}}" becomes a text and "{{id}}" a number unique per request:
  // a client never sends two calls with one id, which matters most when 32 share one session.
  const id = (JSON.parse(request.body) as { id?: unknown }).id;
  let body = request.body.replace(/"idempotency_key":"[^"]*"/, '"idempotency_key":"bench-{{n}}"');
  if (typeof id === "number") body = body.replace(`"id":${id}`, '"id":{{id}}');
  else throw new Error(`${way.client}: the captured ${tool} call has no numeric JSON-RPC id`);
  if (tool === "create_order" && !body.includes("{{n}}"))
    throw new Error(`${way.client}: the captured create_order has no idempotency_key to make unique`);
  return {
    path: request.path,
    body,
    headers: {},
    expect: EXPECT[tool],
    rawHead: serializeHead(request, "{{length}}"),
    ...(close ? { close } : {}),
  };
}

/** Headers of a captured request as fetch can send them (fetch sets Host, length and connection itself). */
function fetchHeaders(request: HttpRequest): [string, string][] {
  const own = new Set(["host", "content-length", "connection", "transfer-encoding"]);
  return request.headers.filter(([name]) => !own.has(name.toLowerCase()));
}

export interface CapturedSession {
  sessionId: string;
  /** Closes the session's GET stream. */
  close(): void;
}

/**
 * Opens a session the way the client did: its last captured initialize (mcp-remote first tries one
 * of its own, then sends the one from its stdio side), the notifications/initialized after it, and
 * the GET stream after that, which stays open (and is read) until close().
 */
export async function openCapturedSession(client: CapturedClient, baseUrl: string): Promise<CapturedSession> {
  const { connect } = loadFixture(client);
  const initIndex = connect.findLastIndex((request) => rpcMethod(request) === "initialize");
  const init = connect[initIndex];
  const initialized = connect
    .slice(initIndex + 1)
    .find((request) => rpcMethod(request) === "notifications/initialized");
  if (!init || !initialized)
    throw new Error(`bench/requests/${client}.json holds no initialize + notifications/initialized`);
  const url = `${baseUrl}${init.path}`;
  const answer = await fetch(url, { method: "POST", headers: fetchHeaders(init), body: init.body });
  const text = await answer.text();
  const sessionId = answer.headers.get("mcp-session-id");
  if (!answer.ok || !sessionId)
    throw new Error(`${client}: captured initialize answered HTTP ${answer.status}: ${text.slice(0, 300)}`);
  const notified = await fetch(url, {
    method: "POST",
    headers: fetchHeaders(withHeader(initialized, "mcp-session-id", sessionId)),
    body: initialized.body,
  });
  if (notified.status !== 202)
    throw new Error(
      `${client}: notifications/initialized answered HTTP ${notified.status}: ${await notified.text()}`,
    );
  const stream = connect
    .slice(initIndex + 1)
    .find((request) => request.method === "GET" && headerValue(request, "mcp-session-id"));
  const aborter = new AbortController();
  if (stream) {
    const opened = await fetch(`${baseUrl}${stream.path}`, {
      headers: fetchHeaders(withHeader(stream, "mcp-session-id", sessionId)),
      signal: aborter.signal,
    });
    if (!opened.ok || !opened.body)
      throw new Error(
        `${client}: the session's GET stream answered HTTP ${opened.status}: ${await opened.text()}`,
      );
    // Read whatever the server sends on it (keep-alives, notifications) until the case ends.
    void opened.body.pipeTo(new WritableStream()).catch(() => undefined);
  }
  return { sessionId, close: () => aborter.abort() };
}
