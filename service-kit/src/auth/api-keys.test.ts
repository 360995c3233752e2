import { describe, expect, test } from "bun:test";
import {
  API_KEY_PREFIX,
  ApiKeySet,
  createApiKey,
  keyRecordSchema,
  parseLocalApiKeys,
  sha256Hex,
} from "./api-keys.ts";

describe("createApiKey", () => {
  test("makes a prefixed 32-byte base64url key and a record holding only its hash", () => {
    const { key, record } = createApiKey("alice", ["orders:read"], "2030-01-01T00:00:00Z");
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(Buffer.from(key.slice(API_KEY_PREFIX.length), "base64url")).toHaveLength(32);
    expect(record.sha256).toBe(sha256Hex(key));
    expect(JSON.stringify(record)).not.toContain(key.slice(API_KEY_PREFIX.length));
    expect(record).toMatchObject({
      principal: "alice",
      scopes: ["orders:read"],
      expires_at: "2030-01-01T00:00:00Z",
    });
    expect(createApiKey("alice", []).key).not.toBe(key);
  });

  test("rejects unknown scopes", () => {
    expect(() => createApiKey("alice", ["orders:delete"])).toThrow();
  });
});

describe("parseLocalApiKeys", () => {
  test("a key shorter than 24 characters is refused, naming the entry but not the key", () => {
    expect(() => parseLocalApiKeys("alice=rmcp_alice_dev_key_0123456789,bob=short-key-123")).toThrow(
      "API_KEYS entry 2 (bob) has a key shorter than 24 characters",
    );
    try {
      parseLocalApiKeys("bob=short-key-123");
    } catch (error) {
      expect(String(error)).not.toContain("short-key-123");
    }
    expect(parseLocalApiKeys(`alice=${"x".repeat(24)}`)).toHaveLength(1);
  });

  test("reads principal=key pairs with every scope", () => {
    const records = parseLocalApiKeys(
      " alice=k1-0123456789abcdefghijklmn , bob=k=2-0123456789abcdefghijklm,",
    );
    expect(records.map((r) => [r.principal, r.sha256])).toEqual([
      ["alice", sha256Hex("k1-0123456789abcdefghijklmn")],
      ["bob", sha256Hex("k=2-0123456789abcdefghijklm")],
    ]);
    expect(records[0]?.scopes).toEqual(["products:read", "orders:read", "orders:write"]);
  });

  test("a malformed entry is named by position, never by its text", () => {
    expect(() => parseLocalApiKeys("alice=k1-0123456789abcdefghijklmn,secretwithoutequals")).toThrow(
      "API_KEYS entry 2 is not principal=key",
    );
    try {
      parseLocalApiKeys("secretwithoutequals");
    } catch (error) {
      expect(String(error)).not.toContain("secretwithoutequals");
    }
    expect(() => parseLocalApiKeys(" , ")).toThrow("holds no keys");
  });
});

describe("ApiKeySet.lookup", () => {
  const alice = createApiKey("alice", ["products:read"]);
  const bob = createApiKey("bob", ["orders:read", "orders:write"], "2020-01-01T00:00:00Z");
  const set = new ApiKeySet([alice.record, bob.record]);

  test("finds the principal and scopes of a known key", () => {
    expect(set.lookup(alice.key)).toEqual({
      ok: true,
      keyId: alice.record.id,
      principal: { id: "alice", scopes: ["products:read"], via: "api-key" },
    });
  });

  test("unknown, near-miss and empty keys are unknown", () => {
    expect(set.lookup("rmcp_nope")).toEqual({ ok: false, reason: "unknown" });
    expect(set.lookup(`${alice.key.slice(0, -1)}x`)).toEqual({ ok: false, reason: "unknown" });
    expect(set.lookup("")).toEqual({ ok: false, reason: "unknown" });
  });

  test("an expired key is refused as expired", () => {
    expect(set.lookup(bob.key)).toEqual({ ok: false, reason: "expired" });
    expect(set.lookup(bob.key, Date.parse("2019-12-31T00:00:00Z")).ok).toBe(true);
  });

  test("the record schema refuses a plaintext key in place of a hash", () => {
    expect(keyRecordSchema.safeParse({ ...alice.record, sha256: alice.key }).success).toBe(false);
  });
});
