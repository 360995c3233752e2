import { describe, expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/server";
import { LOCAL_PRINCIPAL, type Principal } from "../auth/principal.ts";
import { declareResourceScope, resourceAccess } from "./resource-scopes.ts";

const reader: Principal = { id: "reader", scopes: ["orders:read"], via: "api-key" };
const writer: Principal = { id: "writer", scopes: ["orders:write"], via: "api-key" };

function server(): McpServer {
  const built = new McpServer({ name: "t", version: "1" });
  declareResourceScope(built, "order://", "orders:read");
  return built;
}

const rpc = (method: string, params: unknown) => ({ jsonrpc: "2.0", id: 1, method, params });
const subscribe = (uri: unknown) => rpc("resources/subscribe", { uri });
const listen = (notifications: unknown) => rpc("subscriptions/listen", { notifications });

describe("resource subscription scopes", () => {
  test("subscribing to a declared URI in either era needs its scope, and the refusal names it", () => {
    const built = server();
    for (const request of [
      subscribe("order://o-1"),
      listen({ resourceSubscriptions: ["product://p-1", "order://o-1"] }),
    ]) {
      const denied = resourceAccess(built, request, writer);
      expect(denied.ok).toBe(false);
      if (!denied.ok) {
        expect(denied.scope).toBe("orders:read");
        expect(denied.message).toContain("subscribing to order://o-1 needs the orders:read scope");
        expect(denied.message).toContain("your credentials grant: orders:write");
      }
      expect(resourceAccess(built, request, reader)).toEqual({ ok: true });
      expect(resourceAccess(built, request, LOCAL_PRINCIPAL)).toEqual({ ok: true });
    }
  });

  test("undeclared URIs, list_changed filters and other methods need no scope", () => {
    const built = server();
    const requests = [
      subscribe("product://p-1"),
      listen({ resourcesListChanged: true }),
      listen({ resourceSubscriptions: ["catalog://categories"] }),
      listen({ resourceSubscriptions: "order://o-1" }),
      subscribe(42),
      rpc("resources/read", { uri: "order://o-1" }),
      rpc("resources/unsubscribe", { uri: "order://o-1" }),
      null,
    ];
    for (const request of requests) expect(resourceAccess(built, request, writer)).toEqual({ ok: true });
  });

  test("a server with no declarations judges nothing", () => {
    const plain = new McpServer({ name: "t", version: "1" });
    expect(resourceAccess(plain, subscribe("order://o-1"), writer)).toEqual({ ok: true });
  });
});
