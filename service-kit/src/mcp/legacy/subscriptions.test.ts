/**
 * 2025 resource subscriptions on the kit's endpoint, in process: requests without a session (answered
 * by a fresh server each) leave no server behind for the live-update registry, and subscribing without
 * a session is refused with a clear error.
 */
import { expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/server";
import { openTestDatabase } from "../../../../test/support/database.ts";
import { openChangeBus } from "../../events/open-bus.ts";
import { createLogger } from "../../log.ts";
import { McpEndpoint } from "../endpoint.ts";
import { SessionStore, sessionMigrations } from "./session-store.ts";
import { subscriptionMigrations } from "./subscriptions.ts";

async function endpointWith(built: WeakRef<McpServer>[]): Promise<McpEndpoint> {
  const raw = await openTestDatabase([...sessionMigrations, ...subscriptionMigrations], "sqlite");
  const bus = await openChangeBus(raw, { service: "subscriptions-test" });
  const db = bus.track(raw);
  return new McpEndpoint({
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
    live: { bus, db, maxListenPerPrincipal: 2, maxListenPerInstance: 3 },
  });
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
  const endpoint = await endpointWith(built);
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
  const endpoint = await endpointWith([]);
  const response = await endpoint.handle(
    post({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "test://r" } }),
    info,
  );
  const text = await response.text();
  expect(text).toContain("Resource subscriptions need a session");
  expect(text).not.toContain("    at ");
});
