/** What the MCP endpoint and its two legs know about one request, shared with the request log. */
import type { McpServer } from "@modelcontextprotocol/server";
import type { Principal } from "../auth/principal.ts";
import type { RpcSummary } from "./json-rpc.ts";

export interface McpRequestInfo {
  requestId: string;
  principal: Principal;
  /** Filled in for the request log line. */
  rpc?: RpcSummary;
}

/**
 * The refusal of a tools/call, prompts/get or completion/complete the caller's scopes do not allow,
 * or undefined when the request may go on to the SDK.
 */
export type ScopeCheck = (server: McpServer, info: McpRequestInfo, body: unknown) => Response | undefined;
