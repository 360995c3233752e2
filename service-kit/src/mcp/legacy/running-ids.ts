/**
 * JSON-RPC ids still running in a 2025 session. The SDK's session transport maps each running request's
 * id to the stream its answer goes to; a second request with the same id overwrites that entry, and one
 * of the two never gets an answer: the client's call hangs. Real clients never reuse a running id, but
 * a client with a bug must get an error, not a hang. The transport's own map covers a request from the
 * moment it is registered until its answer is sent; `claim` covers the moment before (the transport
 * awaits before registering), until handleRequest has returned.
 */
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { jsonRpcErrorResponse } from "../json-rpc.ts";
import { streamOfRequest } from "../sdk/internals.ts";

type Transport = WebStandardStreamableHTTPServerTransport;
type Id = string | number;

const claimed = new WeakMap<Transport, Set<Id>>();

function requestId(body: unknown): Id | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { id, method } = body as { id?: unknown; method?: unknown };
  if (typeof method !== "string") return undefined;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

/**
 * Runs `handle` with the request's id claimed in `transport`, or answers 409 when a request with the
 * same id is still running there. Notifications and responses carry no id to claim.
 */
export async function withRunningId(
  transport: Transport,
  body: unknown,
  handle: () => Promise<Response>,
): Promise<Response> {
  const id = requestId(body);
  if (id === undefined) return handle();
  let ids = claimed.get(transport);
  if (ids?.has(id) || streamOfRequest(transport, id) !== undefined) {
    return jsonRpcErrorResponse(
      409,
      -32600,
      `Invalid Request: a request with id ${JSON.stringify(id)} is still running in this session. ` +
        "Give every request its own id (ids may be reused once the earlier request has been answered).",
    );
  }
  if (!ids) {
    ids = new Set();
    claimed.set(transport, ids);
  }
  ids.add(id);
  try {
    return await handle();
  } finally {
    ids.delete(id);
  }
}
