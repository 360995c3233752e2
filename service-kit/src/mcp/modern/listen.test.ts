/**
 * 2026-07-28 `subscriptions/listen` on the kit's endpoint, with the real SDK v2 client over HTTP and a
 * real change bus: a stream hears its own principal's changes and the public ones it asked for, never
 * another principal's; streams are capped per principal and per instance with a clear error; a stream
 * opened while the bus is down (PostgreSQL stopped) is refused, saying so, and a stream opened before
 * a PostgreSQL restart keeps hearing changes after it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/client";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/server";
import { openTestDatabase } from "../../../../test/support/database.ts";
import { connectModernClient } from "../../../../test/support/mcp-v2-client.ts";
import { startRestartablePostgres } from "../../../../test/support/restartable-postgres.ts";
import { ALL_SCOPES } from "../../auth/principal.ts";
import { type Database, openDatabase } from "../../db.ts";
import type { ChangeBus } from "../../events/change-bus.ts";
import type { ChangeEvent } from "../../events/change-event.ts";
import { openChangeBus } from "../../events/open-bus.ts";
import { createLogger } from "../../log.ts";
import { migrate } from "../../migrate.ts";
import { McpEndpoint } from "../endpoint.ts";
import { SessionStore, sessionMigrations } from "../legacy/session-store.ts";
import { subscriptionMigrations } from "../legacy/subscriptions.ts";
import { listenCapPerPrincipal } from "./listen.ts";

const MIGRATIONS = [...sessionMigrations, ...subscriptionMigrations];
const log = createLogger("error", {}, () => undefined);

interface Instance {
  url: string;
  bus: ChangeBus;
  db: Database;
  stop(): Promise<void>;
}

function orderServer(): McpServer {
  const server = new McpServer({ name: "orders", version: "1" });
  server.registerResource(
    "order",
    new ResourceTemplate("order://{id}", { list: undefined }),
    {},
    async (uri) => ({
      contents: [{ uri: uri.href, text: "{}" }],
    }),
  );
  return server;
}

/** The kit's endpoint on a loopback port; the caller is named by the x-principal header. */
async function serve(raw: Database, caps = { perPrincipal: 2, perInstance: 3 }): Promise<Instance> {
  const bus = await openChangeBus(raw, { service: "listen-test", heartbeatMs: 200 });
  const db = bus.track(raw);
  const endpoint = new McpEndpoint({
    store: new SessionStore(db),
    log,
    createServer: () => orderServer(),
    sessionTtlMs: 60_000,
    keepAliveMs: 10_000,
    maxBodyBytes: 1 << 20,
    live: { bus, db, maxListenPerPrincipal: caps.perPrincipal, maxListenPerInstance: caps.perInstance },
  });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    fetch: (request) =>
      endpoint.handle(request, {
        requestId: crypto.randomUUID(),
        principal: { id: request.headers.get("x-principal") ?? "nobody", scopes: ALL_SCOPES, via: "api-key" },
      }),
  });
  return {
    url: `http://127.0.0.1:${server.port}/mcp`,
    bus,
    db,
    stop: async () => {
      await endpoint.closeAll();
      await server.stop(true);
      await bus.close();
    },
  };
}

interface Listener {
  client: Client;
  heard: string[];
}

async function listener(url: string, principal: string): Promise<Listener> {
  const client = await connectModernClient(url, "pin-2026-07-28", { "x-principal": principal });
  const heard: string[] = [];
  client.setNotificationHandler("notifications/resources/updated", (note) => {
    heard.push(note.params.uri);
  });
  client.setNotificationHandler("notifications/resources/list_changed", () => {
    heard.push("list_changed");
  });
  return { client, heard };
}

const publish = (instance: Instance, events: ChangeEvent[]): Promise<void> =>
  instance.db.write((tx) => instance.bus.publish(tx, events));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(10);
}

describe("subscriptions/listen on SQLite", () => {
  test("a stream hears its principal's changes and the public ones it asked for, never another's", async () => {
    const instance = await serve(await openTestDatabase(MIGRATIONS, "sqlite"));
    const alice = await listener(instance.url, "alice");
    const bob = await listener(instance.url, "bob");
    try {
      const filter = { resourceSubscriptions: ["order://a1", "product://p1"], resourcesListChanged: true };
      const aliceStream = await alice.client.listen(filter);
      expect(aliceStream.honoredFilter).toEqual(filter);
      await bob.client.listen(filter);
      await publish(instance, [
        { kind: "resource_updated", uri: "order://a1", principal: "alice" },
        { kind: "resources_list_changed", principal: "alice" },
        { kind: "resource_updated", uri: "order://other", principal: "alice" },
        { kind: "resource_updated", uri: "product://p1" },
      ]);
      await until(() => alice.heard.length >= 3 && bob.heard.length >= 1);
      await Bun.sleep(100);
      expect(alice.heard).toEqual(["order://a1", "list_changed", "product://p1"]);
      expect(bob.heard).toEqual(["product://p1"]);
    } finally {
      await Promise.all([alice.client.close(), bob.client.close()]);
      await instance.stop();
      await instance.db.close();
    }
  });

  test("streams past the cap per principal or per instance are refused with a clear error", async () => {
    const instance = await serve(await openTestDatabase(MIGRATIONS, "sqlite"));
    const alice = await listener(instance.url, "alice");
    const bob = await listener(instance.url, "bob");
    const filter = { resourceSubscriptions: ["product://p1"] };
    try {
      const first = await alice.client.listen(filter);
      await alice.client.listen(filter);
      await expect(alice.client.listen(filter)).rejects.toThrow(/Too many live-update streams.*limit is 2/);
      await bob.client.listen(filter);
      // Three open on the instance: bob is under his own cap but the instance is full.
      await expect(bob.client.listen(filter)).rejects.toThrow(/as many live-update streams as it may \(3\)/);
      await first.close();
      await Bun.sleep(200);
      const again = await alice.client.listen(filter);
      expect(again.honoredFilter).toEqual(filter);
    } finally {
      await Promise.all([alice.client.close(), bob.client.close()]);
      await instance.stop();
      await instance.db.close();
    }
  });
});

describe("subscriptions/listen across a PostgreSQL restart", () => {
  let postgres: Awaited<ReturnType<typeof startRestartablePostgres>> | undefined;
  afterAll(async () => {
    await postgres?.destroy();
  });

  test("a stream opened during the outage is refused; one opened before keeps hearing after it", async () => {
    postgres = await startRestartablePostgres();
    const raw = await openDatabase(postgres.url);
    await migrate(raw, MIGRATIONS);
    const instance = await serve(raw);
    const alice = await listener(instance.url, "alice");
    try {
      await alice.client.listen({ resourceSubscriptions: ["order://a1"] });
      await postgres.stop();
      await until(() => instance.bus.state === "down");
      await expect(alice.client.listen({ resourceSubscriptions: ["order://a2"] })).rejects.toThrow(
        /Live updates are unavailable right now/,
      );
      await postgres.start();
      await until(() => instance.bus.state === "up", 15_000);
      for (let attempt = 0; attempt < 30; attempt++) {
        try {
          await publish(instance, [{ kind: "resource_updated", uri: "order://a1", principal: "alice" }]);
          break;
        } catch {
          await Bun.sleep(100);
        }
      }
      await until(() => alice.heard.length >= 1);
      expect(alice.heard).toEqual(["order://a1"]);
    } finally {
      await alice.client.close();
      await instance.stop();
      await raw.close();
    }
  }, 60_000);
});

test("the cap per principal defaults to 8 with auth, and to the instance's cap without", () => {
  expect(listenCapPerPrincipal({ LISTEN_MAX_PER_INSTANCE: 1000 }, "api-key")).toBe(8);
  expect(listenCapPerPrincipal({ LISTEN_MAX_PER_INSTANCE: 1000 }, "none")).toBe(1000);
  expect(listenCapPerPrincipal({ LISTEN_MAX_PER_PRINCIPAL: 3, LISTEN_MAX_PER_INSTANCE: 1000 }, "none")).toBe(
    3,
  );
});
