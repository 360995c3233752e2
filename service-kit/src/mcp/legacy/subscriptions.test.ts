/**
 * 2025 resource subscriptions on the kit's endpoint, in process, on a real SQLite database: requests
 * without a session (answered by a fresh server each) leave no server behind for the live-update
 * registry; subscribing without a session is refused with a clear error; each session hears exactly the
 * URIs it subscribed to on its GET stream, and the updates of one event-loop turn share one lookup of
 * who subscribed.
 */
import { expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/server";
import type { SQL } from "bun";
import { openTestDatabase } from "../../../../test/support/database.ts";
import type { ChangeBus } from "../../events/change-bus.ts";
import { openChangeBus } from "../../events/open-bus.ts";
import { createLogger } from "../../log.ts";
import { McpEndpoint } from "../endpoint.ts";
import { SessionStore, sessionMigrations } from "./session-store.ts";
import { subscriptionMigrations } from "./subscriptions.ts";

/** The endpoint, its bus, and how many subscription lookups its database has run so far. */
async function setUp(built: WeakRef<McpServer>[] = []): Promise<{
  endpoint: McpEndpoint;
  bus: ChangeBus;
  lookups: () => number;
}> {
  const raw = await openTestDatabase([...sessionMigrations, ...subscriptionMigrations], "sqlite");
  const bus = await openChangeBus(raw, { service: "subscriptions-test" });
  const db = bus.track(raw);
  let lookups = 0;
  const counted = new Proxy(db.sql, {
    apply(target, thisArg, args: unknown[]) {
      const strings = args[0] as { raw?: unknown; join?: (separator: string) => string };
      if (strings?.raw && strings.join?.("?").includes("FROM mcp_subscriptions")) lookups++;
      return Reflect.apply(target, thisArg, args);
    },
  }) as SQL;
  const endpoint = new McpEndpoint({
    store: new SessionStore(db),
    log: createLogger("error", {}, () => undefined),
    createServer: () => {
      const server = new McpServer({ name: "t", version: "1" });
      server.registerResource("r", "test://r", {}, async (uri) => ({
        contents: [{ uri: uri.href, text: "r" }],
      }));
      built.push(new WeakRef(server));
      return server;
    },
    sessionTtlMs: 60_000,
    keepAliveMs: 10_000,
    maxBodyBytes: 1 << 20,
    live: { bus, db: { ...db, sql: counted }, maxListenPerPrincipal: 2, maxListenPerInstance: 3 },
  });
  return { endpoint, bus, lookups: () => lookups };
}

const post = (body: unknown): Request =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify(body),
  });

const info = { requestId: "r", principal: { id: "alice", scopes: [], via: "api-key" as const } };

test("requests without a session leave no server reachable from the subscription registry", async () => {
  const built: WeakRef<McpServer>[] = [];
  const { endpoint } = await setUp(built);
  for (let id = 0; id < 50; id++) {
    // A progress token needs a stream: answered on a fresh server and transport, not the pooled one.
    const params = { _meta: { progressToken: id } };
    await (
      await endpoint.handle(post({ jsonrpc: "2.0", id, method: "resources/list", params }), info)
    ).text();
  }
  expect(built.length).toBeGreaterThanOrEqual(50);
  Bun.gc(true);
  await Bun.sleep(0);
  Bun.gc(true);
  const alive = built.filter((ref) => ref.deref() !== undefined).length;
  // Conservative stack scanning may keep one or two; a registry holding each would keep all 50.
  expect(alive).toBeLessThan(10);
});

test("resources/subscribe without a session is refused, saying how to get one", async () => {
  const { endpoint } = await setUp();
  const response = await endpoint.handle(
    post({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "test://r" } }),
    info,
  );
  const text = await response.text();
  expect(text).toContain("Resource subscriptions need a session");
  expect(text).not.toContain("    at ");
});

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

async function postTo(endpoint: McpEndpoint, body: unknown, session?: string): Promise<Response> {
  const headers = session ? { ...HEADERS, "mcp-session-id": session } : HEADERS;
  return endpoint.handle(
    new Request("http://127.0.0.1/mcp", { method: "POST", headers, body: JSON.stringify(body) }),
    info,
  );
}

/** A session with its GET stream open, subscribed to `uris`; `heard` lists the updated URIs its stream carried. */
async function sessionSubscribedTo(endpoint: McpEndpoint, uris: string[]) {
  const init = await postTo(endpoint, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } },
  });
  await init.text();
  const session = init.headers.get("mcp-session-id") as string;
  await (await postTo(endpoint, { jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
  for (const [index, uri] of uris.entries()) {
    const answer = await postTo(
      endpoint,
      { jsonrpc: "2.0", id: index + 1, method: "resources/subscribe", params: { uri } },
      session,
    );
    expect(await answer.text()).toContain('"result":{}');
  }
  const stream = await endpoint.handle(
    new Request("http://127.0.0.1/mcp", {
      method: "GET",
      headers: { ...HEADERS, "mcp-session-id": session },
    }),
    info,
  );
  const heard: string[] = [];
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const match of decoder
        .decode(value)
        .matchAll(/"method":"notifications\/resources\/updated","params":\{"uri":"([^"]+)"/g))
        heard.push(match[1] as string);
    }
  })().catch(() => undefined);
  return { heard, close: () => reader.cancel() };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await Bun.sleep(5);
}

test("each session hears the URIs it subscribed to, and one turn's updates share one lookup", async () => {
  const { endpoint, bus, lookups } = await setUp();
  const first = await sessionSubscribedTo(endpoint, ["order://a", "order://b"]);
  const second = await sessionSubscribedTo(endpoint, ["order://b"]);
  const third = await sessionSubscribedTo(endpoint, []);
  const before = lookups();
  bus.publishCommitted(
    ["order://a", "order://b", "order://c", "order://a"].map((uri) => ({
      kind: "resource_updated" as const,
      uri,
      principal: "alice",
    })),
  );
  await until(() => first.heard.length >= 3 && second.heard.length >= 1);
  await Bun.sleep(50);
  expect(first.heard).toEqual(["order://a", "order://b", "order://a"]);
  expect(second.heard).toEqual(["order://b"]);
  expect(third.heard).toEqual([]);
  expect(lookups() - before).toBe(1);

  // Updates of separate turns are looked up separately, and still reach their subscribers.
  bus.publishCommitted([{ kind: "resource_updated", uri: "order://b", principal: "alice" }]);
  await Bun.sleep(5);
  bus.publishCommitted([{ kind: "resource_updated", uri: "order://a", principal: "alice" }]);
  await until(() => first.heard.length >= 5 && second.heard.length >= 2);
  expect(first.heard.slice(3)).toEqual(["order://b", "order://a"]);
  expect(second.heard).toEqual(["order://b", "order://b"]);
  expect(lookups() - before).toBe(3);
  for (const session of [first, second, third]) await session.close();
});

test("another principal's update reaches none of alice's sessions and costs no lookup", async () => {
  const { endpoint, bus, lookups } = await setUp();
  const alice = await sessionSubscribedTo(endpoint, ["order://a"]);
  const before = lookups();
  bus.publishCommitted([{ kind: "resource_updated", uri: "order://a", principal: "bob" }]);
  await Bun.sleep(50);
  expect(alice.heard).toEqual([]);
  expect(lookups()).toBe(before);
  await alice.close();
});
