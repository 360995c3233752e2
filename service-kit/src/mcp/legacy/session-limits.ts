/**
 * What one legacy (2025-era) session may hold, and how many one caller may keep. A session keeps the
 * client's `initialize` metadata in memory and in its database row for the whole TTL, so unbounded
 * metadata or unbounded sessions let one caller exhaust a task's memory and the database.
 * - clientInfo: the fields a server uses (name, version, title, description, websiteUrl) are kept;
 *   icons and unknown fields are dropped, since the server never shows the client's icons. What is
 *   kept must fit MAX_CLIENT_INFO_BYTES: a real client's is well under 200 bytes.
 * - capabilities: kept whole (they gate sampling, elicitation, roots, tasks), up to
 *   MAX_CLIENT_CAPABILITIES_BYTES; real clients send under 1 KB.
 * - sessions per principal: MAX_SESSIONS_PER_PRINCIPAL live sessions, counted in the database so the
 *   cap holds across instances (a few more can slip through when initializes race).
 */
import { z } from "zod";
import { jsonRpcErrorResponse } from "../json-rpc.ts";
import type { SessionStore } from "./session-store.ts";

export const MAX_CLIENT_INFO_BYTES = 4096;
export const MAX_CLIENT_CAPABILITIES_BYTES = 16_384;

/** With authentication on; in `none` mode every caller is one principal, so the cap is off by default. */
export const DEFAULT_MAX_SESSIONS_PER_PRINCIPAL = 100;

const KEPT_CLIENT_INFO_FIELDS = ["name", "version", "title", "description", "websiteUrl"] as const;

const sessionCap = z.coerce
  .number({ error: "must be a whole number from 0 to 100000 (0 turns the limit off)" })
  .int("must be a whole number from 0 to 100000 (0 turns the limit off)")
  .min(0, "must be a whole number from 0 to 100000 (0 turns the limit off)")
  .max(100_000, "must be a whole number from 0 to 100000 (0 turns the limit off)");

/** The variables of this file, spread into the kit's config schema (config.ts). */
export const sessionLimitsConfigShape = {
  MAX_SESSIONS_PER_PRINCIPAL: sessionCap.optional(),
} as const;

/** The cap in force: the variable if set, else 100 with authentication and none (0) without. */
export function maxSessionsPerPrincipal(
  config: { MAX_SESSIONS_PER_PRINCIPAL?: number | undefined },
  authMode: string,
): number {
  return config.MAX_SESSIONS_PER_PRINCIPAL ?? (authMode === "none" ? 0 : DEFAULT_MAX_SESSIONS_PER_PRINCIPAL);
}

export type LimitedInitialize = { ok: true; body: unknown } | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null));

/**
 * The initialize request as the session will keep it (clientInfo trimmed to its known fields), or why
 * it is refused. Anything that is not an object is left for the SDK's own validation to refuse.
 */
export function limitInitialize(body: unknown): LimitedInitialize {
  if (!isObject(body) || !isObject(body.params)) return { ok: true, body };
  const { clientInfo, capabilities } = body.params;
  const kept = isObject(clientInfo)
    ? Object.fromEntries(
        KEPT_CLIENT_INFO_FIELDS.filter((field) => field in clientInfo).map((field) => [
          field,
          clientInfo[field],
        ]),
      )
    : clientInfo;
  const infoBytes = bytes(kept);
  if (infoBytes > MAX_CLIENT_INFO_BYTES) {
    return {
      ok: false,
      message: `Invalid params: initialize clientInfo is ${infoBytes} bytes; at most ${MAX_CLIENT_INFO_BYTES} bytes are accepted. Send the client's name and version (and optionally title, description, websiteUrl) only.`,
    };
  }
  const capabilityBytes = bytes(capabilities);
  if (capabilityBytes > MAX_CLIENT_CAPABILITIES_BYTES) {
    return {
      ok: false,
      message: `Invalid params: initialize capabilities are ${capabilityBytes} bytes; at most ${MAX_CLIENT_CAPABILITIES_BYTES} bytes are accepted. Declare only the capabilities the client supports, without extra data.`,
    };
  }
  if (!isObject(clientInfo)) return { ok: true, body };
  return { ok: true, body: { ...body, params: { ...body.params, clientInfo: kept } } };
}

export interface AdmissionLimits {
  store: Pick<SessionStore, "countLive">;
  /** Live sessions one principal may hold; 0: no cap. */
  maxSessions: number;
  ttlMs: number;
}

/**
 * An initialize within the caps, with the metadata the session will keep, or the answer that refuses
 * it: 400 for oversized metadata, 429 past the principal's session cap.
 */
export async function admitSession(
  body: unknown,
  principal: string,
  limits: AdmissionLimits,
): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const limited = limitInitialize(body);
  if (!limited.ok) return { ok: false, response: jsonRpcErrorResponse(400, -32602, limited.message) };
  if (limits.maxSessions > 0) {
    const live = await limits.store.countLive(principal, Date.now() - limits.ttlMs);
    if (live >= limits.maxSessions) {
      const message = tooManySessionsMessage(live, limits.maxSessions, limits.ttlMs);
      return { ok: false, response: jsonRpcErrorResponse(429, -32000, message) };
    }
  }
  return limited;
}

/** The refusal of an initialize past the cap: what happened and how to get a session again. */
export function tooManySessionsMessage(live: number, cap: number, ttlMs: number): string {
  return (
    `Too many sessions: you already have ${live} live sessions, and at most ${cap} are allowed per caller. ` +
    "Close sessions you no longer use (HTTP DELETE on this endpoint with their Mcp-Session-Id header), " +
    `or wait until idle ones expire (${Math.round(ttlMs / 1000)} s after their last request), then initialize again.`
  );
}
