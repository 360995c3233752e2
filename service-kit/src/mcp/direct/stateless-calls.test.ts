/**
 * A 2025 stateless tools/call of a tool that never asks the client is answered through
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

const cases: [string, unknown, Record<string, string>?][] = [
  ["a product", call("get_product", { product_id: "p001" })],
  ["a domain error", call("get_product", { product_id: "missing" })],
  ["an unexpected error", call("get_product", { product_id: "crash" })],
  ["arguments of the wrong type", call("get_product", { product_id: 5 })],
  ["no arguments", call("get_product")],
  ["output its schema refuses", call("bad_output", {})],
  ["a tool without a scope", call("unscoped", {})],
  ["an unknown tool", call("no_such_tool", {})],
  ["a string id", { ...(call("get_product", { product_id: "p001" }) as object), id: "abc" }],
  [
    "a progress token (the SDK serves both)",
    call("get_product", { product_id: "p001" }, { _meta: { progressToken: 7 } }),
  ],
  [
    "an older protocol header",
    call("get_product", { product_id: "p001" }),
    { "mcp-protocol-version": "2025-06-18" },
  ],
  ["only JSON accepted", call("get_product", { product_id: "p001" }), { accept: "application/json" }],
];

describe("2025 stateless: the direct answer and the SDK's dispatch answer alike", () => {
  for (const [name, body, extra] of cases) {
    test(name, async () => {
      const text = JSON.stringify(body);
      const direct = await send(copies.direct, text, headers(extra));
      const sdk = await send(copies.sdk, text, headers(extra));
      expect(direct).toEqual(sdk);
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
