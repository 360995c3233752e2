/**
 * Registers a tool with the conventions every service follows: zod input and output schemas,
 * annotations, structured results mirrored as text, and domain errors turned into `isError` results
 * a model can act on. Unexpected errors are logged and answered without internals.
 */
import {
  type CallToolResult,
  type InputRequiredResult,
  isInputRequiredResult,
  type McpServer,
  type RegisteredTool,
  type ServerContext,
  type ToolAnnotations,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Principal, Scope } from "../auth/principal.ts";
import { mayUse, type ScopeDecision } from "../auth/scopes.ts";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from "../db.ts";
import { isDomainError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import { type ConfirmationCodec, type ConfirmationOutcome, confirmWithUser } from "./confirmation.ts";

export interface ToolCall {
  principal: string;
  requestId: string;
  scopes: readonly string[];
  signal: AbortSignal;
  /** Sends a progress notification when the client asked for them. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Asks the user to confirm `subject` (see mcp/confirmation.ts). An "ask" outcome's result must be
   * returned from the handler as is; the call then comes back with the user's answer.
   */
  confirm(message: string, subject: string): Promise<ConfirmationOutcome>;
}

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /**
   * Define `input` and `output` once, at module level, not in the function that registers the tool:
   * servers that register the same shape objects share one compiled validator (see objectSchema).
   */
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** The scope a caller needs. Without one the tool is served only when AUTH_MODE=none. */
  scope?: Scope;
  /**
   * Whether the handler may send the client a request before its result (`call.confirm`'s question,
   * as elicitation/create in a 2025 session). Default: true unless the tool is read-only. A 2025 call
   * of a tool that may not (or whose client declared no elicitation), without a progress token, is
   * answered in JSON when the client accepts both types (see mcp/stream-need.ts); `call.confirm` then
   * answers "cannot-ask".
   */
  asksClient?: boolean;
  /** The tool's output, or the SDK's input_required result from `call.confirm`. */
  handler: (
    input: z.infer<z.ZodObject<I>>,
    call: ToolCall,
  ) => Promise<z.infer<z.ZodObject<O>> | InputRequiredResult>;
}

export interface ToolKit {
  log: Logger;
  metrics: Metrics;
  /** Signs what `call.confirm` asks; the server must verify with it (ServerOptions.requestState). */
  confirmations?: ConfirmationCodec;
}

/** Annotations of a tool that only reads: safe to call again, touches nothing outside the shop. */
export const READ_ONLY_TOOL: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

export function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text }] };
}

// Every server a service builds (one per session, and the pooled ones) registers its tools again. zod
// compiles a validator per schema object, so an object schema made per server gave each server its own
// validator, which the JIT then warmed up on its own: with 32 pooled servers each ran slow for 32 times
// as many calls, and was compiled again 32 times. A shape defined once (at module level) now maps to
// one object schema, shared by every server.
const objectSchemas = new WeakMap<z.ZodRawShape, z.ZodObject>();

function objectSchema<S extends z.ZodRawShape>(shape: S): z.ZodObject<S> {
  let schema = objectSchemas.get(shape);
  if (!schema) {
    schema = z.object(shape);
    objectSchemas.set(shape, schema);
  }
  return schema as z.ZodObject<S>;
}

export function registerTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  server: McpServer,
  kit: ToolKit,
  tool: ToolDefinition<I, O>,
): RegisteredTool {
  const callback = async (
    input: unknown,
    ctx: ServerContext,
  ): Promise<CallToolResult | InputRequiredResult> => {
    const call = toolCall(ctx, server, kit);
    // The HTTP layer already answers 403 for this; checking again here keeps a tool safe however it is reached.
    const allowed = mayUse(tool.name, tool.scope, {
      scopes: call.scopes,
      via: ctx.http?.authInfo?.extra?.via as Principal["via"],
    });
    if (!allowed.ok) return errorResult(allowed.message);
    try {
      const result = await tool.handler(input as z.infer<z.ZodObject<I>>, call);
      if (isInputRequiredResult(result)) return result;
      return { content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: result };
    } catch (error) {
      kit.metrics.emit({ ToolErrors: 1 }, { tool: tool.name });
      if (isDomainError(error)) {
        const hint = error.retryable ? " This is temporary: retry the same call in a few seconds." : "";
        return errorResult(`${error.message}${hint}`);
      }
      if (isDatabaseUnavailable(error)) {
        kit.log.warn("tool failed: database unavailable", { tool: tool.name, requestId: call.requestId });
        return errorResult(`${tool.name} could not finish: ${DATABASE_UNAVAILABLE_MESSAGE}`);
      }
      kit.log.error("tool failed unexpectedly", {
        tool: tool.name,
        requestId: call.requestId,
        error: String(error),
      });
      return errorResult(
        `${tool.name} failed because of an internal error (request id ${call.requestId}). Retry later; if it keeps failing, report the request id.`,
      );
    }
  };
  const registered = server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: objectSchema(tool.input),
      outputSchema: objectSchema(tool.output),
      annotations: { title: tool.title, ...tool.annotations },
    },
    callback as never,
  );
  const scopes = toolScopes.get(server) ?? new Map();
  toolScopes.set(server, scopes);
  const asksClient = tool.asksClient ?? tool.annotations.readOnlyHint !== true;
  scopes.set(tool.name, { tool: registered, scope: tool.scope, asksClient });
  return registered;
}

interface KitTool {
  tool: RegisteredTool;
  scope: Scope | undefined;
  asksClient: boolean;
  /** Whether the input schema declares no x-mcp-header (worked out on first use). */
  plainInput?: boolean;
}

const toolScopes = new WeakMap<McpServer, Map<string, KitTool>>();

/**
 * May a call of `name` on `server` ask the client (ToolDefinition.asksClient)? Undefined for tools not
 * registered through the kit: nothing is known of what they send.
 */
export function kitToolAsksClient(server: McpServer, name: string): boolean | undefined {
  return toolScopes.get(server)?.get(name)?.asksClient;
}

/**
 * Whether a call of the kit tool `name` needs nothing of the HTTP request beyond its body: no
 * x-mcp-header parameter headers to check against the arguments, no scope challenge. The direct path
 * (direct/direct-calls.ts) serves only such tools; the SDK's entry checks the others.
 */
export function kitToolServedAsIs(server: McpServer, name: string): boolean {
  const entry = toolScopes.get(server)?.get(name);
  if (!entry || entry.tool.scopeChallenge !== undefined) return false;
  entry.plainInput ??= !JSON.stringify(server.toolInputSchemaJson(name) ?? {}).includes("x-mcp-header");
  return entry.plainInput;
}

/** May `principal` call `name` on `server`? Tools not registered through the kit are not judged here. */
export function toolAccess(server: McpServer, name: string, principal: Principal): ScopeDecision {
  const entry = toolScopes.get(server)?.get(name);
  return entry ? mayUse(name, entry.scope, principal) : { ok: true };
}

/** Shows only the tools `principal` may use in tools/list (and re-shows them if its scopes grow). */
export function applyToolScopes(server: McpServer, principal: Principal): void {
  for (const [name, entry] of toolScopes.get(server) ?? []) {
    const allowed = mayUse(name, entry.scope, principal).ok;
    if (allowed !== entry.tool.enabled) {
      if (allowed) entry.tool.enable();
      else entry.tool.disable();
    }
  }
}

function toolCall(ctx: ServerContext, server: McpServer, kit: ToolKit): ToolCall {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const authInfo = ctx.http?.authInfo;
  return {
    principal: String(authInfo?.extra?.principal ?? authInfo?.clientId ?? "local"),
    requestId: String(authInfo?.extra?.requestId ?? "unknown"),
    scopes: authInfo?.scopes ?? [],
    signal: ctx.mcpReq.signal,
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: "notifications/progress",
        params: {
          progressToken,
          progress,
          total,
          ...(message ? { message } : {}),
        },
      });
    },
    confirm: (message, subject) => {
      if (!kit.confirmations) throw new Error("call.confirm needs ToolKit.confirmations (a state codec)");
      return confirmWithUser(ctx, server, kit.confirmations, message, subject);
    },
  };
}
