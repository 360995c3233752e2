/**
 * Whether a 2025 request needs an SSE stream, or can be answered with one JSON body when the client
 * accepts both. A stream is needed when the call may send something before its result: progress the
 * client asked for (a progress token), or a question to the client during a tool call (a kit tool
 * that may ask, see ToolDefinition.asksClient, on a session whose client declared form elicitation;
 * a stateless request declared nothing, so it is never asked). Tools not registered through the kit
 * keep their stream: nothing is known of what they send. Everything else (a read-only tool,
 * tools/list, resources/read, prompts/get, ping, initialize …) answers with its result alone: in a
 * session, such an answer opens no stream and writes no event to the event store.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { declaredFormElicitation } from "./confirmation.ts";
import type { RpcSummary } from "./json-rpc.ts";
import { kitToolAsksClient } from "./tools.ts";

export function needsStream(server: McpServer, rpc: RpcSummary): boolean {
  if (rpc.hasProgressToken) return true;
  if (rpc.tool === undefined) return false;
  const asks = kitToolAsksClient(server, rpc.tool);
  if (asks === undefined) return true;
  return asks && declaredFormElicitation(server);
}
