import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { kitConfigShape, parseConfig } from "../config.ts";
import {
  limitInitialize,
  MAX_CLIENT_CAPABILITIES_BYTES,
  MAX_CLIENT_INFO_BYTES,
  maxSessionsPerPrincipal,
} from "./session-limits.ts";

const initialize = (clientInfo: unknown, capabilities: unknown = {}): unknown => ({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities, clientInfo },
});

describe("limitInitialize", () => {
  test("keeps a real client's metadata as it is", () => {
    const body = initialize(
      { name: "claude-ai", version: "0.1.0", title: "Claude" },
      { roots: { listChanged: true }, sampling: {}, elicitation: { form: {}, url: {} } },
    );
    expect(limitInitialize(body)).toEqual({ ok: true, body });
  });

  test("drops icons and unknown clientInfo fields, and keeps the rest of the request", () => {
    const icon = { src: `data:image/png;base64,${"A".repeat(100_000)}`, mimeType: "image/png" };
    const limited = limitInitialize(
      initialize({ name: "c", version: "1", websiteUrl: "https://c.example", icons: [icon], extra: 1 }),
    );
    expect(limited).toEqual({
      ok: true,
      body: initialize({ name: "c", version: "1", websiteUrl: "https://c.example" }),
    });
  });

  test("refuses kept clientInfo or capabilities over their limits, naming the field and the limit", () => {
    const info = limitInitialize(initialize({ name: "n".repeat(MAX_CLIENT_INFO_BYTES), version: "1" }));
    expect(info.ok).toBe(false);
    expect(!info.ok && info.message).toContain(`at most ${MAX_CLIENT_INFO_BYTES} bytes`);
    expect(!info.ok && info.message).toContain("clientInfo");
    const capabilities = limitInitialize(
      initialize(
        { name: "c", version: "1" },
        { experimental: { x: "y".repeat(MAX_CLIENT_CAPABILITIES_BYTES) } },
      ),
    );
    expect(!capabilities.ok && capabilities.message).toContain(
      `at most ${MAX_CLIENT_CAPABILITIES_BYTES} bytes`,
    );
  });

  test("leaves shapes that are not objects to the SDK's validation", () => {
    expect(limitInitialize({ method: "initialize" })).toEqual({ ok: true, body: { method: "initialize" } });
    expect(limitInitialize(initialize("a string"))).toEqual({ ok: true, body: initialize("a string") });
  });
});

describe("MAX_SESSIONS_PER_PRINCIPAL", () => {
  const schema = z.object(kitConfigShape);
  const parse = (value?: string) => parseConfig(schema, { PORT: "3001", MAX_SESSIONS_PER_PRINCIPAL: value });

  test("defaults to 100 with authentication and to no cap in none mode", () => {
    expect(maxSessionsPerPrincipal({}, "api-key")).toBe(100);
    expect(maxSessionsPerPrincipal({}, "oauth")).toBe(100);
    expect(maxSessionsPerPrincipal({}, "none")).toBe(0);
    expect(maxSessionsPerPrincipal({ MAX_SESSIONS_PER_PRINCIPAL: 5 }, "none")).toBe(5);
  });

  test("is checked at start: a whole number from 0 to 100000", () => {
    const good = parse("25");
    expect(good.ok && good.config.MAX_SESSIONS_PER_PRINCIPAL).toBe(25);
    for (const bad of ["-1", "1.5", "lots", "100001"]) {
      const result = parse(bad);
      expect(result.ok ? [] : result.problems).toEqual([
        `MAX_SESSIONS_PER_PRINCIPAL must be a whole number from 0 to 100000 (0 turns the limit off) (got ${JSON.stringify(bad)})`,
      ]);
    }
  });
});
