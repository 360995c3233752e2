/**
 * A plain `tools/call` in a 2025 session, for the direct path (direct-calls.ts). The session has
 * already been found live, as for every session request (legacy/live-sessions.ts: a DELETE on any
 * instance ends it everywhere). The call is served on a pooled server seeded with what the session's client declared
 * and negotiated, instead of the session's own transport: what that transport would check is checked
 * here (its protocol header is one the SDK speaks, the transport is still open) or was checked before
 * (session id, content type, Accept, body). Anything else goes to the session's transport as before.
 */
import type { JSONRPCRequest } from "@modelcontextprotocol/server";
import { asPlainRequest } from "../json-rpc.ts";
import type { LiveSession } from "../legacy/live-sessions.ts";
import { hasSupportedProtocolHeader } from "../legacy/protocol-version.ts";
import { clientOf, isClosed } from "../sdk/internals.ts";
import type { DirectCall } from "./direct-calls.ts";
import { plainLegacyToolCall } from "./plain-call.ts";

export function sessionToolCall(
  request: Request,
  body: unknown,
  session: LiveSession,
  sessionId: string,
): DirectCall | undefined {
  const message: JSONRPCRequest | undefined = asPlainRequest(body);
  const plain = message && plainLegacyToolCall(request.headers, message);
  if (!plain || !hasSupportedProtocolHeader(request) || isClosed(session.transport)) return undefined;
  return {
    ...plain,
    client: { protocolVersion: session.protocolVersion, ...clientOf(session.server) },
    headers: { "mcp-session-id": sessionId },
  };
}
