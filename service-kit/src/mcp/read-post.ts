/**
 * Reads and checks an MCP POST before the SDK sees it: content type, Accept, size, JSON, no batches.
 * Each refusal is a JSON-RPC shaped answer that says what to send instead.
 */
import type { AuthInfo } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/principal.ts";
import { type AcceptedMode, chooseResponseMode, FULL_ACCEPT } from "../http/accept.ts";
import { jsonRpcErrorResponse } from "./json-rpc.ts";

export type McpPost =
  | {
      ok: true;
      body: unknown;
      /** What Accept allows; the leg settles it per call (http/accept.ts settleResponseMode). */
      mode: AcceptedMode;
      /** The request as the SDK's transport wants it; built only for the requests that go there. */
      sdkRequest: () => Request;
    }
  | { ok: false; response: Response };

export async function readMcpPost(request: Request, maxBodyBytes: number): Promise<McpPost> {
  const refuse = (status: number, code: number, message: string): McpPost => ({
    ok: false,
    response: jsonRpcErrorResponse(status, code, message),
  });
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().includes("application/json")) {
    return refuse(415, -32000, "Unsupported Media Type: send the JSON-RPC message as application/json.");
  }
  const mode = chooseResponseMode(request.headers.get("accept"));
  if (!mode) return refuse(406, -32000, "Not Acceptable: accept application/json or text/event-stream.");
  let text: string;
  try {
    text = await request.text();
  } catch {
    // Bun aborts a streamed (chunked) body past maxRequestBodySize; the client already got its 413.
    return refuse(
      413,
      -32000,
      `Request body too large (or the upload was cut off): the limit is ${maxBodyBytes} bytes.`,
    );
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a body short enough in units is not counted in bytes.
  if (text.length * 3 > maxBodyBytes && Buffer.byteLength(text) > maxBodyBytes) {
    return refuse(413, -32000, `Request body too large: the limit is ${maxBodyBytes} bytes.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return refuse(400, -32700, "Parse error: the body is not valid JSON.");
  }
  if (Array.isArray(body)) {
    // One HTTP request must stay one message: batches would multiply work past the rate limit.
    return refuse(
      400,
      -32600,
      "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 removed them). Send one message per POST.",
    );
  }
  return { ok: true, body, mode, sdkRequest: () => withFullAccept(request, text) };
}

/** The SDK insists on both types in Accept; clients that list one are served in that one. */
function withFullAccept(request: Request, body: string): Request {
  const accept = request.headers.get("accept") ?? "";
  if (accept.includes("application/json") && accept.includes("text/event-stream")) return request;
  const headers = new Headers(request.headers);
  headers.set("accept", FULL_ACCEPT);
  return new Request(request.url, { method: request.method, headers, body });
}

/** What tool handlers learn about the caller (see mcp/tools.ts). */
export function toAuthInfo(principal: Principal, requestId: string): AuthInfo {
  return {
    token: "",
    clientId: principal.id,
    scopes: [...principal.scopes],
    extra: { principal: principal.id, requestId, via: principal.via },
  };
}
