/**
 * Cache hints (2026-07-28 `ttlMs` and `cacheScope`; the SDK adds them to list and read results, 2025
 * answers are unchanged) for what every service answers alike. Discovery, prompts and resource
 * templates are the same for every caller; the tool list is filtered by the caller's scopes, so it is
 * `private`. Each service adds its own hints for `resources/list` and `resources/read`.
 */
import type { ServerOptions } from "@modelcontextprotocol/server";

type CacheHints = NonNullable<ServerOptions["cacheHints"]>;

const FIVE_MINUTES = 300_000;

export const KIT_CACHE_HINTS: CacheHints = {
  "server/discover": { ttlMs: FIVE_MINUTES, cacheScope: "public" },
  "tools/list": { ttlMs: FIVE_MINUTES, cacheScope: "private" },
  "prompts/list": { ttlMs: FIVE_MINUTES, cacheScope: "public" },
  "resources/templates/list": { ttlMs: FIVE_MINUTES, cacheScope: "public" },
};
