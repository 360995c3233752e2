import { expect, test } from "bun:test";
import { chooseResponseMode, settleResponseMode } from "./accept.ts";

test("JSON when only JSON is accepted, SSE when only SSE is", () => {
  expect(chooseResponseMode("application/json")).toBe("json");
  expect(chooseResponseMode("text/event-stream")).toBe("sse");
});

test("both listed equally: the server chooses, SSE only when the call needs a stream", () => {
  expect(chooseResponseMode("application/json, text/event-stream")).toBe("either");
  expect(chooseResponseMode("text/event-stream, application/json")).toBe("either");
  expect(settleResponseMode("either", false)).toBe("json");
  expect(settleResponseMode("either", true)).toBe("sse");
  // A client that accepts one type gets that type, stream or not.
  expect(settleResponseMode("json", true)).toBe("json");
  expect(settleResponseMode("sse", false)).toBe("sse");
});

test("q-values express a preference", () => {
  expect(chooseResponseMode("application/json, text/event-stream;q=0.5")).toBe("json");
  expect(chooseResponseMode("application/json;q=0.2, text/event-stream")).toBe("sse");
});

test("wildcards and a missing header fall back sensibly; q=0 and unrelated types refuse", () => {
  expect(chooseResponseMode(null)).toBe("json");
  expect(chooseResponseMode("*/*")).toBe("either");
  expect(chooseResponseMode("text/html")).toBeUndefined();
  expect(chooseResponseMode("application/json;q=0")).toBeUndefined();
});
