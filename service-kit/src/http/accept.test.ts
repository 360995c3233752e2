import { expect, test } from "bun:test";
import { chooseResponseMode } from "./accept.ts";

test("JSON when only JSON is accepted, SSE when only SSE is", () => {
  expect(chooseResponseMode("application/json")).toBe("json");
  expect(chooseResponseMode("text/event-stream")).toBe("sse");
});

test("both listed equally: SSE, so progress can stream", () => {
  expect(chooseResponseMode("application/json, text/event-stream")).toBe("sse");
  expect(chooseResponseMode("text/event-stream, application/json")).toBe("sse");
});

test("q-values express a preference", () => {
  expect(chooseResponseMode("application/json, text/event-stream;q=0.5")).toBe("json");
  expect(chooseResponseMode("application/json;q=0.2, text/event-stream")).toBe("sse");
});

test("wildcards and a missing header fall back sensibly; q=0 and unrelated types refuse", () => {
  expect(chooseResponseMode(null)).toBe("json");
  expect(chooseResponseMode("*/*")).toBe("sse");
  expect(chooseResponseMode("text/html")).toBeUndefined();
  expect(chooseResponseMode("application/json;q=0")).toBeUndefined();
});
