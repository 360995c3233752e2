/**
 * Whether a 2025 request needs an SSE stream, or can be answered with one JSON body when the client
 * accepts both. A stream is needed when the call may send something before its result: progress the
 * client asked for (a progress token), or a request to the client during a tool call (a tool that may
 * ask, see ToolDefinition.asksClient). Everything else (a read-only tool, tools/list, resources/read,
 * prompts/get, ping, initialize …) answers with its result alone: in a session, such an answer opens
 * no stream and writes no event to the event store.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { RpcSummary } from "./json-rpc.ts";
import { toolMayAskClient } from "./tools.ts";

export function needsStream(server: McpServer, rpc: RpcSummary): boolean {
  if (rpc.hasProgressToken) return true;
  return rpc.tool !== undefined && toolMayAskClient(server, rpc.tool);
}
