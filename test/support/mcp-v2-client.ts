/**
 * Connects the MCP SDK's v2 client (`@modelcontextprotocol/client`), which speaks 2026-07-28 without a
 * session: `pin` insists on that revision, `auto` probes server/discover and falls back to initialize
 * only if the server gives no modern answer.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

export type Negotiation = "pin-2026-07-28" | "auto";

export async function connectModernClient(
  mcpUrl: string,
  negotiation: Negotiation,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client(
    { name: "retail-mcp-tests-v2", version: "1.0.0" },
    { versionNegotiation: { mode: negotiation === "auto" ? "auto" : { pin: "2026-07-28" } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } }));
  return client;
}
