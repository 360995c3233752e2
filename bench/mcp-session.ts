/** JSON-RPC bodies for the JSON-only cases (the real-client cases replay bench/requests instead). */

/** One JSON-RPC tools/call body. */
export function toolCallBody(name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
}
