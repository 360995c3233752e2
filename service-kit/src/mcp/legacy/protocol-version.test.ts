import { describe, expect, test } from "bun:test";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/server";
import { negotiatedVersion, withSessionProtocolVersion } from "./protocol-version.ts";

const post = (version?: string): Request =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: version ? { "mcp-protocol-version": version, accept: "text/event-stream" } : {},
  });

describe("protocol version of a session", () => {
  test("initialize negotiates the client's revision when supported, else the latest", () => {
    expect(negotiatedVersion("2025-06-18")).toBe("2025-06-18");
    expect(negotiatedVersion("1999-01-01")).toBe(LATEST_PROTOCOL_VERSION);
    expect(negotiatedVersion(undefined)).toBe(LATEST_PROTOCOL_VERSION);
  });

  test("an older header is raised to the negotiated revision, other headers are kept", () => {
    const raised = withSessionProtocolVersion(post("2025-03-26"), "2025-11-25");
    expect(raised.headers.get("mcp-protocol-version")).toBe("2025-11-25");
    expect(raised.headers.get("accept")).toBe("text/event-stream");
  });

  test("same, newer, missing or unknown headers pass through untouched", () => {
    for (const request of [post("2025-11-25"), post(), post("2024-13-99")]) {
      expect(withSessionProtocolVersion(request, "2025-11-25")).toBe(request);
    }
    const newer = post("2025-11-25");
    expect(withSessionProtocolVersion(newer, "2025-06-18")).toBe(newer);
  });
});
