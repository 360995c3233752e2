/**
 * Per-caller isolation, black box, in both auth modes: principal B can neither see, list nor cancel
 * principal A's orders (tools and the order:// resource), and A's session id used with B's credentials
 * is answered 404, on both binaries.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type JwksServer, startJwksServer } from "../support/jwks-server.ts";
import {
  type ConnectedClient,
  callTool,
  callToolExpectingError,
  connectClient,
} from "../support/mcp-client.ts";
import { retryOnBindFailure, type ServiceHandle, startService } from "../support/service-process.ts";

const TOKEN = "isolation-internal-token-0123456789";
const ALL = "products:read orders:read orders:write";

interface Credentials {
  alice: Record<string, string>;
  bob: Record<string, string>;
}

interface Mode {
  name: "api-key" | "oauth";
  /** Starts the mode's helpers; returns service env and, once ports are known, the credentials. */
  setup(): Promise<{
    env: (port: number) => Record<string, string>;
    credentials: (port: number) => Promise<Credentials>;
  }>;
  teardown(): Promise<void>;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

const apiKeyMode: Mode = {
  name: "api-key",
  async setup() {
    const keys = { alice: "rmcp_isolation_alice_key_000000001", bob: "rmcp_isolation_bob_key_00000000001" };
    return {
      env: () => ({ AUTH_MODE: "api-key", API_KEYS: `alice=${keys.alice},bob=${keys.bob}` }),
      credentials: async () => ({ alice: bearer(keys.alice), bob: bearer(keys.bob) }),
    };
  },
  teardown: async () => undefined,
};

let as: JwksServer | undefined;
const oauthMode: Mode = {
  name: "oauth",
  async setup() {
    as = await startJwksServer("unused-default-audience");
    const issuer = as.issuer;
    return {
      env: () => ({ AUTH_MODE: "oauth", OAUTH_ISSUER: issuer }),
      credentials: async (port) => {
        const aud = `http://127.0.0.1:${port}/mcp`;
        const server = as as JwksServer;
        return {
          alice: bearer(await server.sign({ sub: "alice", scope: ALL, aud })),
          bob: bearer(await server.sign({ sub: "bob", scope: ALL, aud })),
        };
      },
    };
  },
  teardown: async () => {
    await as?.stop();
  },
};

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

for (const mode of [apiKeyMode, oauthMode]) {
  describe(`isolation with AUTH_MODE=${mode.name}`, () => {
    let product: ServiceHandle;
    let order: ServiceHandle;
    let credentials: (port: number) => Promise<Credentials>;
    const clients: ConnectedClient[] = [];

    beforeAll(async () => {
      const setup = await mode.setup();
      credentials = setup.credentials;
      // In OAuth mode a service's resource URL (the tokens' audience) names its port: chosen up front.
      product = await retryOnBindFailure((port) =>
        startService("product-service", { port, env: { ...setup.env(port), INTERNAL_TOKEN: TOKEN } }),
      );
      order = await retryOnBindFailure((port) =>
        startService("order-service", {
          port,
          env: {
            ...setup.env(port),
            INTERNAL_TOKEN: TOKEN,
            PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}`,
          },
        }),
      );
    }, 180_000);

    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await order?.stop();
      await product?.stop();
      await mode.teardown();
    });

    async function connect(service: ServiceHandle, who: keyof Credentials): Promise<ConnectedClient> {
      const client = await connectClient(service.mcpUrl, (await credentials(service.port))[who]);
      clients.push(client);
      return client;
    }

    for (const name of ["product-service", "order-service"] as const) {
      test(`${name}: A's session id with B's credentials is 404, and A's session survives`, async () => {
        const service = name === "product-service" ? product : order;
        const creds = await credentials(service.port);
        const alice = await connect(service, "alice");
        const sessionId = alice.transport.sessionId as string;
        expect(sessionId).toBeTruthy();
        const asBob = { ...creds.bob, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
        const list = await post(service.mcpUrl, { jsonrpc: "2.0", id: 9, method: "tools/list" }, asBob);
        expect(list.status).toBe(404);
        const stream = await fetch(service.mcpUrl, { headers: { ...asBob, accept: "text/event-stream" } });
        expect(stream.status).toBe(404);
        const end = await fetch(service.mcpUrl, { method: "DELETE", headers: asBob });
        expect(end.status).toBe(404);
        // Bob could not end it: Alice carries on.
        expect((await alice.client.listTools()).tools.length).toBeGreaterThan(0);
      });
    }

    test("B cannot get, list, cancel or read A's order; A's order is untouched", async () => {
      const service = order;
      const alice = await connect(service, "alice");
      const bob = await connect(service, "bob");
      const created = await callTool<{ order_id: string; status: string }>(alice.client, "create_order", {
        items: [{ product_id: "p002", quantity: 1 }],
      });
      expect(created.status).toBe("confirmed");
      const id = created.order_id;

      expect(await callToolExpectingError(bob.client, "get_order", { order_id: id })).toContain("No order");
      const bobsOrders = await callTool<{ orders: { order_id: string }[] }>(bob.client, "list_orders", {});
      expect(bobsOrders.orders.map((o) => o.order_id)).not.toContain(id);
      expect(await callToolExpectingError(bob.client, "cancel_order", { order_id: id })).toContain(
        "No order",
      );
      await expect(bob.client.readResource({ uri: `order://${id}` })).rejects.toThrow(/No order/);
      const bobsResources = await bob.client.listResources();
      expect(bobsResources.resources.map((r) => r.uri)).not.toContain(`order://${id}`);

      const still = await callTool<{ status: string }>(alice.client, "get_order", { order_id: id });
      expect(still.status).toBe("confirmed");
      const alicesOrders = await callTool<{ orders: { order_id: string }[] }>(
        alice.client,
        "list_orders",
        {},
      );
      expect(alicesOrders.orders.map((o) => o.order_id)).toContain(id);
      expect((await alice.client.readResource({ uri: `order://${id}` })).contents).toHaveLength(1);
    }, 30_000);
  });
}
