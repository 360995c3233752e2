import { describe, expect, test } from "bun:test";
import { asPlainRequest, summarizeRpc } from "./json-rpc.ts";

describe("asPlainRequest", () => {
  test("takes a request with a string or integer id, with or without params", () => {
    const call: unknown = {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "x", arguments: {} },
    };
    expect(asPlainRequest(call) as unknown).toBe(call);
    expect(asPlainRequest({ jsonrpc: "2.0", id: "a-1", method: "ping" })).toBeDefined();
  });

  test("leaves everything else to the SDK's transport", () => {
    for (const body of [
      null,
      42,
      "ping",
      [],
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "1.0", id: 1, method: "ping" },
      { jsonrpc: "2.0", id: 1.5, method: "ping" },
      { jsonrpc: "2.0", id: 2 ** 53, method: "ping" },
      { jsonrpc: "2.0", id: null, method: "ping" },
      { jsonrpc: "2.0", id: 1, method: 7 },
      { jsonrpc: "2.0", id: 1, method: "ping", params: [] },
      { jsonrpc: "2.0", id: 1, method: "ping", params: "x" },
      { jsonrpc: "2.0", id: 1, method: "ping", extra: true },
      { jsonrpc: "2.0", id: 1, result: {} },
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { _meta: { progressToken: 1 } } },
    ]) {
      expect(asPlainRequest(body)).toBeUndefined();
    }
  });
});

describe("summarizeRpc", () => {
  test("names the method and tool, and leaves out what the body does not have", () => {
    const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get_product" } };
    expect(summarizeRpc(call)).toStrictEqual({
      method: "tools/call",
      tool: "get_product",
      isInitialize: false,
      hasProgressToken: false,
    });
    const progress = { ...call, params: { name: "x", _meta: { progressToken: 0 } } };
    expect(summarizeRpc(progress).hasProgressToken).toBe(true);
    expect(summarizeRpc({ jsonrpc: "2.0", id: 1, method: "initialize" })).toStrictEqual({
      method: "initialize",
      isInitialize: true,
      hasProgressToken: false,
    });
    for (const body of [null, [], { id: 1 }, { method: "" }, { method: 7, params: { name: "x" } }]) {
      const summary = summarizeRpc(body);
      expect(summary).toStrictEqual({ isInitialize: false, hasProgressToken: false });
      expect("method" in summary || "tool" in summary).toBe(false);
    }
    // A name outside tools/call is no tool.
    expect("tool" in summarizeRpc({ method: "prompts/get", params: { name: "p" } })).toBe(false);
  });
});
