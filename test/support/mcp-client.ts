/** Connects the official MCP SDK client over Streamable HTTP, as Claude's connectors do. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

export async function connectClient(
  mcpUrl: string,
  headers: Record<string, string> = {},
): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers } });
  const client = new Client({ name: "retail-mcp-tests", version: "1.0.0" });
  await client.connect(transport);
  return {
    client,
    transport,
    close: async () => {
      await client.close();
    },
  };
}

/** The structuredContent of a successful tool call; throws with the error text otherwise. */
export async function callTool<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const text = (result.content as { type: string; text?: string }[])
      .map((part) => part.text ?? "")
      .join(" ");
    throw new Error(`${name} returned an error: ${text}`);
  }
  return result.structuredContent as T;
}

/** The text of an isError tool result; throws if the call unexpectedly succeeded. */
export async function callToolExpectingError(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) throw new Error(`${name} succeeded but an error was expected`);
  return (result.content as { type: string; text?: string }[]).map((part) => part.text ?? "").join(" ");
}
