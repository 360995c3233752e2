/** Opens an MCP session over plain HTTP (initialize + notifications/initialized) for the session cases. */

export interface OpenSession {
  sessionId: string;
  protocolVersion: string;
  /** Headers every request in the session sends. */
  headers: Record<string, string>;
}

const CLIENT_PROTOCOL_VERSION = "2025-06-18";

export async function openSession(mcpUrl: string): Promise<OpenSession> {
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const init = await post({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: CLIENT_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "retail-mcp-bench", version: "1.0.0" },
    },
  });
  const text = await init.text();
  const sessionId = init.headers.get("mcp-session-id");
  if (!init.ok || !sessionId) {
    throw new Error(
      `initialize at ${mcpUrl} failed (HTTP ${init.status}, session id ${sessionId}): ${text.slice(0, 300)}`,
    );
  }
  const answer = JSON.parse(text) as { result?: { protocolVersion?: string } };
  const protocolVersion = answer.result?.protocolVersion;
  if (!protocolVersion)
    throw new Error(`initialize answered without a protocolVersion: ${text.slice(0, 300)}`);
  const headers = { "Mcp-Session-Id": sessionId, "MCP-Protocol-Version": protocolVersion };
  const initialized = await post({ jsonrpc: "2.0", method: "notifications/initialized" }, headers);
  if (initialized.status !== 202) {
    throw new Error(
      `notifications/initialized answered HTTP ${initialized.status}: ${await initialized.text()}`,
    );
  }
  return { sessionId, protocolVersion, headers };
}

/** One JSON-RPC tools/call body. */
export function toolCallBody(name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
}
