/**
 * What a principal may use. Each tool declares one scope; a tool that declares none is served only
 * when AUTH_MODE=none, so forgetting the declaration hides the tool instead of exposing it.
 */
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
