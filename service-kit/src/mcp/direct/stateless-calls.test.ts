/**
 * A 2025 stateless tools/call of a kit tool (one that may ask the client included) is answered through
 * `answerToolCall` when the direct path is on, and through the SDK's dispatch when it is off
 * (legacy/handler.ts). Both copies of the app (differential-support.ts) get the same requests, with the
 * headers the SDK v1 client sends minus the session; status, content type and body must be equal.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Copies, legacyHeaders, send, startCopies } from "./differential-support.ts";

let copies: Copies;
beforeAll(async () => {
  copies = await startCopies();
});
afterAll(() => copies.close());

const headers = legacyHeaders;

const call = (name: string, args?: unknown, extra: Record<string, unknown> = {}): unknown => ({
  method: "tools/call",
  params: { name, ...(args === undefined ? {} : { arguments: args }), ...extra },
  jsonrpc: "2.0",
  id: 1,
});

// Each case says whether the direct copy must answer it through answerToolCall (counted with the
// direct path's calls), so a call that silently stops being served that way shows up.
const cases: [string, unknown, boolean, Record<string, string>?][] = [
  ["a product", call("get_product", { product_id: "p001" }), true],
  ["a domain error", call("get_product", { product_id: "missing" }), true],
  ["an unexpected error", call("get_product", { product_id: "crash" }), true],
  ["arguments of the wrong type", call("get_product", { product_id: 5 }), true],
  ["output its schema refuses", call("bad_output", {}), true],
  ["a tool that may ask the client", call("create_order", { sku: "s" }), true],
  ["a tool that asks (no client can be asked here)", call("create_order", { sku: "big" }), true],
  ["a string id", { ...(call("get_product", { product_id: "p001" }) as object), id: "abc" }, true],
  [
    "an older protocol header",
    call("get_product", { product_id: "p001" }),
    true,
    { "mcp-protocol-version": "2025-06-18" },
  ],
  ["only JSON accepted", call("get_product", { product_id: "p001" }), true, { accept: "application/json" }],
  ["no arguments (the SDK serves both)", call("get_product"), false],
  ["a tool without a scope (refused before)", call("unscoped", {}), false],
  ["an unknown tool (the SDK serves both)", call("no_such_tool", {}), false],
  [
    "a progress token (the SDK serves both)",
    call("get_product", { product_id: "p001" }, { _meta: { progressToken: 7 } }),
    false,
  ],
];

describe("2025 stateless: the direct answer and the SDK's dispatch answer alike", () => {
  for (const [name, body, directly, extra] of cases) {
    test(name, async () => {
      const text = JSON.stringify(body);
      const before = copies.direct.service.parts.endpoint.directCallCount;
      const direct = await send(copies.direct, text, headers(extra));
      const served = copies.direct.service.parts.endpoint.directCallCount - before;
      const sdk = await send(copies.sdk, text, headers(extra));
      expect(direct).toEqual(sdk);
      expect(served).toBe(directly ? 1 : 0);
      expect(copies.sdk.service.parts.endpoint.directCallCount).toBe(0);
    });
  }

  test("the product case is an answer, not an error on both", async () => {
    const answer = await send(
      copies.direct,
      JSON.stringify(call("get_product", { product_id: "p001" })),
      headers(),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result: { structuredContent: { id: "p001" } } });
  });
});
