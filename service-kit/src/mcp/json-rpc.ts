/** Small helpers for answering at the HTTP layer in JSON-RPC's shape, before the SDK is involved. */
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
  /** "tools/call", "initialize", "batch(3)" … */
  method?: string;
  /** The tool name of a tools/call. */
  tool?: string;
  isInitialize: boolean;
  hasProgressToken: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function summarizeRpc(body: unknown): RpcSummary {
  if (Array.isArray(body)) {
    return {
      method: `batch(${body.length})`,
      isInitialize: body.some((m) => isObject(m) && m.method === "initialize"),
      hasProgressToken: false,
    };
  }
  if (!isObject(body)) return { isInitialize: false, hasProgressToken: false };
  const method = typeof body.method === "string" ? body.method : undefined;
  const params = isObject(body.params) ? body.params : undefined;
  const tool = method === "tools/call" && typeof params?.name === "string" ? params.name : undefined;
  const meta = params && isObject(params._meta) ? params._meta : undefined;
  return {
    ...(method ? { method } : {}),
    ...(tool ? { tool } : {}),
    isInitialize: method === "initialize",
    hasProgressToken: meta?.progressToken !== undefined,
  };
}
