// The peer: get_product served the way the official TypeScript SDK's examples do it on Node
// (examples/server/simpleStatelessStreamableHttp): Express 5 through the SDK's createMcpExpressApp,
// StreamableHTTPServerTransport in stateless mode, one McpServer and one transport per request,
// JSON responses. The catalogue is an in-memory copy of product-service/data/demo-catalog.json, so
// the peer does less work per call than product-service (no database).
// Plain JavaScript because it runs on Node 20 as people deploy it: `PORT=… node bench/peer/server.mjs`.
import { readFileSync } from "node:fs";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import * as z from "zod";

const catalogUrl = new URL("../../product-service/data/demo-catalog.json", import.meta.url);
const catalog = JSON.parse(readFileSync(catalogUrl, "utf8"));
const products = new Map(catalog.products.map((product) => [product.id, product]));

const productOutput = {
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  price: z.number(),
  currency: z.string(),
  stock: z.number().int(),
  in_stock: z.boolean(),
  image_url: z.string().nullable(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
};

function getServer() {
  const server = new McpServer(
    { name: "peer-product-service", version: "1.0.0" },
    { capabilities: { logging: {} } },
  );
  server.registerTool(
    "get_product",
    {
      title: "Get product",
      description: "Full details of one product by id.",
      inputSchema: { product_id: z.string().trim().min(1).max(64) },
      outputSchema: productOutput,
      annotations: { readOnlyHint: true },
    },
    async ({ product_id }) => {
      const product = products.get(product_id);
      if (!product)
        return { isError: true, content: [{ type: "text", text: `No product with id ${product_id}.` }] };
      const view = { ...product, in_stock: product.stock > 0 };
      return { content: [{ type: "text", text: JSON.stringify(view) }], structuredContent: view };
    },
  );
  return server;
}

const app = createMcpExpressApp();
app.post("/mcp", async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on("close", () => {
      transport.close();
      server.close();
    });
  } catch {
    if (!res.headersSent) {
      res
        .status(500)
        .json({ jsonrpc: "2.0", error: { code: -32603, message: "Internal server error" }, id: null });
    }
  }
});
app.get("/ready", (_req, res) => {
  res.status(200).json({ status: "ready" });
});

const port = Number(process.env.PORT ?? 3998);
const listener = app.listen(port, "127.0.0.1", () => {
  // The bench starts this with PORT=0 and reads the bound port from this line, as from the services.
  console.log(JSON.stringify({ msg: "listening", port: listener.address().port }));
});
process.on("SIGTERM", () => listener.close(() => process.exit(0)));
