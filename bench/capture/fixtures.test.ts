import { describe, expect, test } from "bun:test";
import { type CaptureFixture, fixtureDifferences, settleStreamOpens } from "./fixtures.ts";
import type { HttpRequest } from "./http-parse.ts";

const post = (method: string, session?: string): HttpRequest => ({
  method: "POST",
  path: "/mcp",
  headers: [
    ["content-type", "application/json"],
    ...(session ? [["mcp-session-id", session] as [string, string]] : []),
  ],
  body: JSON.stringify({ jsonrpc: "2.0", method, ...(method === "initialize" ? { id: 0 } : {}) }),
});
const stream = (session: string): HttpRequest => ({
  method: "GET",
  path: "/mcp",
  headers: [
    ["accept", "text/event-stream"],
    ["mcp-session-id", session],
  ],
  body: "",
});

// mcp-remote as committed: two handshakes, each followed by its GET stream.
const inOrder = [
  post("initialize"),
  post("notifications/initialized", "s1"),
  stream("s1"),
  post("initialize"),
  post("notifications/initialized", "s2"),
  stream("s2"),
];
// The same requests, with the first GET stream reaching the server after the second initialize.
const raced = [inOrder[0], inOrder[1], inOrder[3], inOrder[2], inOrder[4], inOrder[5]] as HttpRequest[];

function fixture(connect: HttpRequest[]): CaptureFixture {
  const call = post("tools/call", "s2");
  return {
    client: "mcp-remote",
    package: "mcp-remote 0.15.1",
    protocolVersion: "2025-11-25",
    runtime: "Node v20.20.2",
    capturedHow: "test",
    connect,
    calls: { get_product: call, search_products: call, create_order: call },
  };
}

describe("captured connect sequences", () => {
  test("a GET stream is put back right after its own session's last request", () => {
    expect(settleStreamOpens(raced)).toEqual(inOrder);
    expect(settleStreamOpens(inOrder)).toEqual(inOrder);
  });

  test("the race is no difference, a changed request still is", () => {
    expect(fixtureDifferences(fixture(inOrder), fixture(raced))).toEqual([]);
    const changed = [...inOrder];
    changed[3] = { ...post("initialize"), headers: [["content-type", "text/plain"]] };
    const differences = fixtureDifferences(fixture(inOrder), fixture(changed));
    expect(differences).toHaveLength(1);
    expect(differences[0]).toStartWith("connect[3]:");
  });
});
