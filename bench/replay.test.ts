import { describe, expect, test } from "bun:test";
import { loadFixture } from "./capture/fixtures.ts";
import { choosePinning } from "./pinning.ts";
import { capturedLoad } from "./replay.ts";

describe("capturedLoad", () => {
  test("replays SDK v2's get_product byte for byte but for Host, length and a fresh id", async () => {
    const load = await capturedLoad({ client: "sdk-v2" }, "get_product", "http://127.0.0.1:4321");
    const captured = loadFixture("sdk-v2").calls.get_product;
    const lines = load.rawHead?.split("\r\n") ?? [];
    expect(lines[0]).toBe("POST /mcp HTTP/1.1");
    expect(lines.slice(1, -2)).toEqual(
      captured.headers.map(([name, value]) => {
        if (name === "host") return "host: 127.0.0.1:4321";
        return name === "content-length" ? "content-length: {{length}}" : `${name}: ${value}`;
      }),
    );
    expect(lines.slice(1)).toContain("mcp-name: get_product");
    expect(load.body).toBe(captured.body.replace(/"id":\d+/, '"id":{{id}}'));
    expect(load.body).toContain('"io.modelcontextprotocol/protocolVersion":"2026-07-28"');
  });

  test("stateless 2025 is SDK v1's call without its session header; create_order gets a unique key", async () => {
    const load = await capturedLoad({ client: "sdk-v1", stateless: true }, "create_order", "http://h:1");
    expect(load.rawHead).not.toMatch(/mcp-session-id/i);
    expect(load.rawHead).toContain("accept: application/json, text/event-stream\r\n");
    expect(load.rawHead).toContain("mcp-protocol-version: 2025-11-25\r\n");
    expect(load.body).toContain('"idempotency_key":"bench-{{n}}"');
    expect(load.expect).toBe('"status":"confirmed"');
  });
});

describe("choosePinning", () => {
  test("pins nothing on one core or without taskset, and says why", () => {
    expect(choosePinning(1, "/usr/bin/taskset")).toMatchObject({ pinned: false, server: [], load: [] });
    expect(choosePinning(1, "/usr/bin/taskset").description).toContain("1 core");
    expect(choosePinning(2, undefined).description).toContain("taskset not found");
  });
});
