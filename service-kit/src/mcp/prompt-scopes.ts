/**
 * Scopes for prompts and completions, as tools.ts has them for tools. A prompt registered here declares
 * the scope a caller needs: prompts/list hides it from callers without that scope, and prompts/get and
 * the completion of its arguments are refused (403 insufficient_scope at the HTTP layer, and the prompt
 * handler checks again). The SDK gives completion callbacks no caller, so a resource template whose
 * `complete` callbacks reveal data declares its scope with `declareCompletionScope`, and the HTTP layer
 * checks completion/complete requests against it before the SDK sees them.
 */
import type {
  McpServer,
  PromptCallback,
  RegisteredPrompt,
  StandardSchemaWithJSON,
} from "@modelcontextprotocol/server";
import type { Principal, Scope } from "../auth/principal.ts";
import { mayUse, requireScope, type ScopeDecision } from "../auth/scopes.ts";

export interface ScopedPromptConfig<Args extends StandardSchemaWithJSON> {
  title?: string;
  description?: string;
  argsSchema?: Args;
  /** The scope a caller needs to see, get or complete this prompt. */
  scope: Scope;
}

interface ServerScopes {
  prompts: Map<string, { prompt: RegisteredPrompt; scope: Scope }>;
  /** Resource template URI → the scope its completions need. */
  completions: Map<string, Scope>;
}

const registry = new WeakMap<McpServer, ServerScopes>();

function scopesOf(server: McpServer): ServerScopes {
  let scopes = registry.get(server);
  if (!scopes) {
    scopes = { prompts: new Map(), completions: new Map() };
    registry.set(server, scopes);
  }
  return scopes;
}

const promptLabel = (name: string): string => `the ${name} prompt`;

export function registerScopedPrompt<Args extends StandardSchemaWithJSON>(
  server: McpServer,
  name: string,
  config: ScopedPromptConfig<Args>,
  callback: PromptCallback<Args>,
): RegisteredPrompt {
  const { scope, ...promptConfig } = config;
  // The HTTP layer refuses first; checking here too keeps the prompt safe however it is reached.
  const guarded = ((args: unknown, ctx: unknown) => {
    requireScope(ctx, scope, promptLabel(name));
    return (callback as (args: unknown, ctx: unknown) => unknown)(args, ctx);
  }) as unknown as PromptCallback<Args>;
  const prompt = server.registerPrompt(name, promptConfig, guarded);
  scopesOf(server).prompts.set(name, { prompt, scope });
  return prompt;
}

/** Completions of `uriTemplate`'s variables need `scope` (e.g. product ids need products:read). */
export function declareCompletionScope(server: McpServer, uriTemplate: string, scope: Scope): void {
  scopesOf(server).completions.set(uriTemplate, scope);
}

/** Shows only the prompts `principal` may use in prompts/list (and re-shows them if its scopes grow). */
export function applyPromptScopes(server: McpServer, principal: Principal): void {
  for (const { prompt, scope } of registry.get(server)?.prompts.values() ?? []) {
    const allowed = mayUse("prompt", scope, principal).ok;
    if (allowed !== prompt.enabled) {
      if (allowed) prompt.enable();
      else prompt.disable();
    }
  }
}

interface RequestShape {
  method?: unknown;
  params?: { name?: unknown; ref?: { type?: unknown; name?: unknown; uri?: unknown } };
}

/**
 * May `principal` make this prompts/get or completion/complete request? Prompts and templates not
 * declared here are not judged (their handlers check, as resources do).
 */
export function promptAccess(server: McpServer, body: unknown, principal: Principal): ScopeDecision {
  const scopes = registry.get(server);
  const request = (typeof body === "object" && body !== null ? body : {}) as RequestShape;
  if (!scopes) return { ok: true };
  if (request.method === "prompts/get" && typeof request.params?.name === "string") {
    const entry = scopes.prompts.get(request.params.name);
    return entry ? mayUse(promptLabel(request.params.name), entry.scope, principal) : { ok: true };
  }
  if (request.method !== "completion/complete") return { ok: true };
  const ref = request.params?.ref;
  if (ref?.type === "ref/prompt" && typeof ref.name === "string") {
    const entry = scopes.prompts.get(ref.name);
    return entry
      ? mayUse(`completing the arguments of ${promptLabel(ref.name)}`, entry.scope, principal)
      : { ok: true };
  }
  if (ref?.type === "ref/resource" && typeof ref.uri === "string") {
    const scope = scopes.completions.get(ref.uri);
    return scope ? mayUse(`completing ${ref.uri}`, scope, principal) : { ok: true };
  }
  return { ok: true };
}
