/** Small helpers for answering at the HTTP layer in JSON-RPC's shape, before the SDK is involved. */
import type { JSONRPCRequest } from "@modelcontextprotocol/server";

export function jsonRpcErrorResponse(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export interface RpcSummary {
  /** "tools/call", "initialize" … (read-post.ts refuses batches before this is asked) */
  method?: string;
  /** The tool name of a tools/call. */
  tool?: string;
  isInitialize: boolean;
  hasProgressToken: boolean;
  /** The protocol revision the request was served in (2026-07-28, or the 2025 session's). */
  protocol?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function summarizeRpc(body: unknown): RpcSummary {
  if (!isObject(body)) return { isInitialize: false, hasProgressToken: false };
  const method = typeof body.method === "string" ? body.method : undefined;
  const params = isObject(body.params) ? body.params : undefined;
  const tool = method === "tools/call" && typeof params?.name === "string" ? params.name : undefined;
  const meta = params && isObject(params._meta) ? params._meta : undefined;
  // Built without spreads: this runs for every POST.
  const summary: RpcSummary = {
    isInitialize: method === "initialize",
    hasProgressToken: meta?.progressToken !== undefined,
  };
  if (method) summary.method = method;
  if (tool) summary.tool = tool;
  return summary;
}

const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * The body as a JSON-RPC request when it plainly is one: the fields the SDK's JSONRPCRequestSchema
 * allows, an id that is a string or a safe integer, params an object without `_meta`. Anything else
 * (notifications, responses, `_meta`, odd shapes) is left to the SDK's transport, whose own checks and
 * error messages then apply unchanged.
 */
export function asPlainRequest(body: unknown): JSONRPCRequest | undefined {
  if (!isObject(body)) return undefined;
  for (const key in body) if (!REQUEST_KEYS.has(key)) return undefined;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== "2.0" || typeof method !== "string") return undefined;
  if (typeof id !== "string" && !Number.isSafeInteger(id)) return undefined;
  if (params !== undefined && (!isObject(params) || "_meta" in params)) return undefined;
  return body as JSONRPCRequest;
}
