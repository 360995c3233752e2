/**
 * A real MCP server (SDK, stateless Streamable HTTP) under /product on loopback, shaped like a
 * deployed product-service, for the smoke test and the workflow's smoke step.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";

export interface UpstreamBehaviour {
  healthStatus?: number;
  apiKey?: string;
  hangMcp?: boolean;
  tools?: string[];
}

export function startUpstream(behaviour: UpstreamBehaviour = {}): ReturnType<typeof Bun.serve> {
  const tools = behaviour.tools ?? ["search_products", "get_product"];
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request): Promise<Response> {
      const { pathname } = new URL(request.url);
      if (pathname === "/product/health") {
        return Response.json({ status: "ok" }, { status: behaviour.healthStatus ?? 200 });
      }
      if (pathname !== "/product/mcp") return new Response("not found", { status: 404 });
      if (behaviour.apiKey && request.headers.get("authorization") !== `Bearer ${behaviour.apiKey}`) {
        return Response.json({ error: "unauthorized" }, { status: 401 });
      }
      if (behaviour.hangMcp) return new Promise<Response>(() => {});
      const server = new McpServer({ name: "product-service", version: "1.4.0" });
      for (const name of tools) {
        server.registerTool(name, { description: `${name} tool` }, async () => ({
          content: [{ type: "text", text: "ok" }],
        }));
      }
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      await server.connect(transport);
      return transport.handleRequest(request);
    },
  });
}
