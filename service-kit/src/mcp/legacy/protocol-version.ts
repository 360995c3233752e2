/**
 * Streams follow the protocol revision the session negotiated. Some clients initialize with 2025-11-25
 * and then send an older `MCP-Protocol-Version` header on later requests (the official conformance
 * suite does); the SDK would then skip the priming event and the stream could not be resumed.
 */
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";

/** The revision the SDK answers an initialize with: the client's if supported, else the latest. */
export function negotiatedVersion(requested: string | undefined): string {
  return requested !== undefined && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
}

/** The request with its protocol header raised to the session's revision when it names an older one. */
export function withSessionProtocolVersion(request: Request, negotiated: string): Request {
  const header = request.headers.get("mcp-protocol-version");
  if (header === null || header >= negotiated || !SUPPORTED_PROTOCOL_VERSIONS.includes(header))
    return request;
  const headers = new Headers(request.headers);
  headers.set("mcp-protocol-version", negotiated);
  // The SDK gets the already parsed body, so the copy needs none.
  return new Request(request.url, { method: request.method, headers });
}

/** False when the request names a protocol revision the SDK does not speak (its transport answers 400). */
export function hasSupportedProtocolHeader(request: Request): boolean {
  const header = request.headers.get("mcp-protocol-version");
  return header === null || SUPPORTED_PROTOCOL_VERSIONS.includes(header);
}
