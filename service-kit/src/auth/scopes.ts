/**
 * What a principal may use. Each tool declares one scope; a tool that declares none is served only
 * when AUTH_MODE=none, so forgetting the declaration hides the tool instead of exposing it.
 */
import { ProtocolError } from "@modelcontextprotocol/server";
import type { Principal } from "./principal.ts";

export type ScopeDecision = { ok: true } | { ok: false; scope: string; message: string };

export function mayUse(
  what: string,
  required: string | undefined,
  principal: Pick<Principal, "scopes" | "via">,
): ScopeDecision {
  if (required === undefined) {
    if (principal.via === "none") return { ok: true };
    return {
      ok: false,
      scope: "",
      message: `${what} declares no scope, so it is not served while authentication is on. The operator must declare its scope.`,
    };
  }
  if (principal.scopes.includes(required)) return { ok: true };
  const held = principal.scopes.length > 0 ? principal.scopes.join(", ") : "none";
  return {
    ok: false,
    scope: required,
    message: `Forbidden: ${what} needs the ${required} scope; your credentials grant: ${held}. Ask for a key or token with ${required}.`,
  };
}

/** Code of the JSON-RPC error for a request the caller's scopes do not allow (implementation-defined range). */
export const FORBIDDEN_CODE = -32003;

/** The part of the SDK's handler context (`ctx`) that carries the caller's credentials. */
interface ScopedContext {
  http?: { authInfo?: { scopes?: string[]; extra?: Record<string, unknown> } };
}

/**
 * For handlers the kit does not wrap (resources, prompts): throws a JSON-RPC error unless the caller
 * holds `scope`. Usage in a resource callback: `requireScope(ctx, "orders:read", "order://…")`.
 */
export function requireScope(ctx: unknown, scope: string, what: string): void {
  const info = (ctx as ScopedContext | undefined)?.http?.authInfo;
  const principal = { scopes: info?.scopes ?? [], via: info?.extra?.via as Principal["via"] };
  const decision = mayUse(what, scope, principal);
  if (!decision.ok) throw new ProtocolError(FORBIDDEN_CODE, decision.message);
}
