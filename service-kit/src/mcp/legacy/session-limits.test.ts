import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { kitConfigShape, parseConfig } from "../../config.ts";
import { openDatabase } from "../../db.ts";
import { migrate } from "../../migrate.ts";
import {
  admitSession,
  limitInitialize,
  MAX_CLIENT_CAPABILITIES_BYTES,
  MAX_CLIENT_INFO_BYTES,
  maxSessionsPerPrincipal,
} from "./session-limits.ts";
import { SessionStore, sessionMigrations } from "./session-store.ts";

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

describe("admitSession", () => {
  test("counts the principal's unexpired sessions in the database and refuses the one past the cap", async () => {
    const db = await openDatabase(`sqlite://${join(mkdtempSync(join(tmpdir(), "kit-admit-")), "s.sqlite")}`);
    try {
      await migrate(db, sessionMigrations);
      const store = new SessionStore(db);
      const ttlMs = 60_000;
      const now = Date.now();
      const session = (id: string, principal: string, lastSeenAt: number) =>
        store.create({
          id,
          principal,
          protocolVersion: "2025-11-25",
          clientInfo: {},
          clientCapabilities: {},
          createdAt: lastSeenAt,
          lastSeenAt,
        });
      await session("a1", "alice", now);
      await session("a2", "alice", now);
      await session("old", "alice", now - ttlMs - 1000); // expired, not swept yet
      await session("b1", "bob", now);
      const limits = { store, maxSessions: 3, ttlMs };
      const body = initialize({ name: "c", version: "1" });
      expect(await admitSession(body, "alice", limits)).toEqual({ ok: true, body });
      await session("a3", "alice", now);
      const refused = await admitSession(body, "alice", limits);
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.response.status).toBe(429);
      const { error } = (await refused.response.json()) as { error: { code: number; message: string } };
      expect(error.code).toBe(-32000);
      expect(error.message).toContain(
        "you already have 3 live sessions, and at most 3 are allowed per caller",
      );
      expect(error.message).toContain("HTTP DELETE");
      expect((await admitSession(body, "bob", limits)).ok).toBe(true);
      expect((await admitSession(body, "alice", { ...limits, maxSessions: 0 })).ok).toBe(true);
      const oversized = await admitSession(
        initialize({ name: "x".repeat(5000), version: "1" }),
        "bob",
        limits,
      );
      expect(!oversized.ok && oversized.response.status).toBe(400);
    } finally {
      await db.close();
    }
  });
});
