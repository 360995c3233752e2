import { expect, test } from "bun:test";
import { ProtocolError } from "@modelcontextprotocol/server";
import { LOCAL_PRINCIPAL } from "./principal.ts";
import { mayUse, requireScope } from "./scopes.ts";

test("a declared scope must be held", () => {
  const reader = { id: "r", scopes: ["orders:read"], via: "api-key" as const };
  expect(mayUse("get_order", "orders:read", reader)).toEqual({ ok: true });
  expect(mayUse("create_order", "orders:write", reader)).toEqual({
    ok: false,
    scope: "orders:write",
    message:
      "Forbidden: create_order needs the orders:write scope; your credentials grant: orders:read. Ask for a key or token with orders:write.",
  });
});

test("an undeclared scope is served only without auth", () => {
  expect(mayUse("legacy", undefined, LOCAL_PRINCIPAL)).toEqual({ ok: true });
  const all = { id: "a", scopes: ["products:read", "orders:read", "orders:write"], via: "oauth" as const };
  expect(mayUse("legacy", undefined, all)).toMatchObject({ ok: false });
  expect(mayUse("legacy", undefined, { scopes: all.scopes })).toMatchObject({ ok: false });
});

test("requireScope throws a JSON-RPC forbidden error for resource handlers", () => {
  const ctx = { http: { authInfo: { scopes: ["products:read"], extra: { via: "oauth" } } } };
  expect(() => requireScope(ctx, "products:read", "product://p001")).not.toThrow();
  expect(() => requireScope(ctx, "orders:read", "order://o1")).toThrow(
    "order://o1 needs the orders:read scope",
  );
  expect(() => requireScope({}, "orders:read", "order://o1")).toThrow(ProtocolError);
});
