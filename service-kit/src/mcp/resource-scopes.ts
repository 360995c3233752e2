/**
 * Scopes for watching resources. Reading a resource is checked by its own callback (`requireScope`),
 * but a 2025 `resources/subscribe` or a 2026-07-28 `subscriptions/listen` never reaches that callback,
 * so a service declares here which scope the URIs under a prefix need, and the HTTP layer refuses a
 * subscription to them (403 insufficient_scope, as for tools and prompts) before anything is stored or
 * subscribed. URIs under no declared prefix are public, and list_changed filters need no scope.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { Principal, Scope } from "../auth/principal.ts";
import { mayUse, type ScopeDecision } from "../auth/scopes.ts";

const registry = new WeakMap<McpServer, Map<string, Scope>>();

/** Subscribing to a URI that starts with `uriPrefix` (e.g. "order://") needs `scope`. */
export function declareResourceScope(server: McpServer, uriPrefix: string, scope: Scope): void {
  let prefixes = registry.get(server);
  if (!prefixes) {
    prefixes = new Map();
    registry.set(server, prefixes);
  }
  prefixes.set(uriPrefix, scope);
}

interface RequestShape {
  method?: unknown;
  params?: { uri?: unknown; notifications?: { resourceSubscriptions?: unknown } };
}

/** The URIs a resources/subscribe or subscriptions/listen request asks to watch. */
function watchedUris(request: RequestShape): unknown[] {
  if (request.method === "resources/subscribe") return [request.params?.uri];
  if (request.method !== "subscriptions/listen") return [];
  const uris = request.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris : [];
}

/** May `principal` subscribe to every resource this request names? Other requests are not judged. */
export function resourceAccess(server: McpServer, body: unknown, principal: Principal): ScopeDecision {
  const prefixes = registry.get(server);
  if (!prefixes) return { ok: true };
  const request = (typeof body === "object" && body !== null ? body : {}) as RequestShape;
  for (const uri of watchedUris(request)) {
    if (typeof uri !== "string") continue;
    for (const [prefix, scope] of prefixes) {
      if (!uri.startsWith(prefix)) continue;
      const decision = mayUse(`subscribing to ${uri}`, scope, principal);
      if (!decision.ok) return decision;
    }
  }
  return { ok: true };
}
