/**
 * API keys: records that hold a key's SHA-256 (never the key), a principal and scopes, and a lookup
 * that compares in constant time. Keys look like `rmcp_<43 base64url chars>` so that a leaked one is
 * recognisable (and greppable) in a log, a paste or a secret scanner.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ALL_SCOPES, type Principal } from "./principal.ts";

export const API_KEY_PREFIX = "rmcp_";

/** Shorter keys can be guessed; `keys create` makes 48 characters. */
export const MIN_LOCAL_KEY_LENGTH = 24;

export const keyRecordSchema = z.object({
  id: z.string().min(1).max(128),
  principal: z.string().min(1).max(256),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex characters (the SHA-256 of the key)"),
  scopes: z.array(z.enum(ALL_SCOPES)),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

export type KeyRecord = z.infer<typeof keyRecordSchema>;

export const keyRecordListSchema = z.array(keyRecordSchema);

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

export interface NewApiKey {
  key: string;
  record: KeyRecord;
}

/** A fresh random key (32 bytes) and the record to store for it. The key is shown once and never kept. */
export function createApiKey(principal: string, scopes: readonly string[], expiresAt?: string): NewApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const record = keyRecordSchema.parse({
    id: `key_${randomBytes(6).toString("hex")}`,
    principal,
    sha256: sha256Hex(key),
    scopes: [...scopes],
    expires_at: expiresAt,
  });
  return { key, record };
}

/**
 * Parses `API_KEYS` for development: `alice=key1,bob=key2`. Each key gets every scope; the hashes are
 * computed here so the lookup path is the same as for keys from SSM.
 */
export function parseLocalApiKeys(value: string): KeyRecord[] {
  const records: KeyRecord[] = [];
  for (const [index, pair] of value.split(",").entries()) {
    const trimmed = pair.trim();
    if (trimmed === "") continue;
    const separator = trimmed.indexOf("=");
    const principal = trimmed.slice(0, separator).trim();
    const key = trimmed.slice(separator + 1).trim();
    if (separator <= 0 || key === "") {
      // The message names the position, never the text, because the text holds a key.
      throw new Error(
        `API_KEYS entry ${index + 1} is not principal=key; write e.g. API_KEYS=alice=<key>,bob=<key>`,
      );
    }
    if (key.length < MIN_LOCAL_KEY_LENGTH) {
      throw new Error(
        `API_KEYS entry ${index + 1} (${principal}) has a key shorter than ${MIN_LOCAL_KEY_LENGTH} characters; use a long random key, e.g. from "keys create"`,
      );
    }
    records.push({ id: `local-${index + 1}`, principal, sha256: sha256Hex(key), scopes: [...ALL_SCOPES] });
  }
  if (records.length === 0) throw new Error("API_KEYS holds no keys; write e.g. API_KEYS=alice=<key>");
  return records;
}

export type KeyLookup =
  | { ok: true; principal: Principal; keyId: string }
  | { ok: false; reason: "unknown" | "expired" };

interface IndexedRecord {
  record: KeyRecord;
  digest: Buffer;
  expiresAtMs: number | undefined;
}

/** An immutable set of key records; swapped as a whole when the source refreshes. */
export class ApiKeySet {
  private readonly records: IndexedRecord[];

  constructor(records: readonly KeyRecord[]) {
    this.records = records.map((record) => ({
      record,
      digest: Buffer.from(record.sha256, "hex"),
      expiresAtMs: record.expires_at ? Date.parse(record.expires_at) : undefined,
    }));
  }

  get size(): number {
    return this.records.length;
  }

  /**
   * Hashes the presented key and compares the digest with every record, without stopping at a match,
   * so the time taken says nothing about which record (or how much of a digest) matched.
   */
  lookup(presented: string, now: number = Date.now()): KeyLookup {
    const digest = createHash("sha256").update(presented, "utf8").digest();
    let match: IndexedRecord | undefined;
    for (const entry of this.records) {
      if (timingSafeEqual(digest, entry.digest) && match === undefined) match = entry;
    }
    if (!match) return { ok: false, reason: "unknown" };
    if (match.expiresAtMs !== undefined && match.expiresAtMs <= now) return { ok: false, reason: "expired" };
    return {
      ok: true,
      keyId: match.record.id,
      principal: { id: match.record.principal, scopes: match.record.scopes, via: "api-key" },
    };
  }
}
