// The SDK v2 peer: get_product served the way the v2 SDK documents it on Node: createMcpHandler from
// @modelcontextprotocol/server with a factory that builds an McpServer per request (its default,
// stateless 2025 fallback included), wrapped once with toNodeHandler from @modelcontextprotocol/node
// in a plain node:http server. The catalogue is an in-memory copy of
// product-service/data/demo-catalog.json, so the peer does less work per call than product-service.
// Plain JavaScript because it runs on Node as people deploy it: `PORT=… node bench/peer/server-v2.mjs`.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";

const catalogUrl = new URL("../../product-service/data/demo-catalog.json", import.meta.url);
const catalog = JSON.parse(readFileSync(catalogUrl, "utf8"));
const products = new Map(catalog.products.map((product) => [product.id, product]));

const productOutput = z.object({
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
});

function getServer() {
  const server = new McpServer({ name: "peer-v2-product-service", version: "1.0.0" });
  server.registerTool(
    "get_product",
    {
      title: "Get product",
      description: "Full details of one product by id.",
      inputSchema: z.object({ product_id: z.string().trim().min(1).max(64) }),
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

const mcp = toNodeHandler(createMcpHandler(getServer));
const listener = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/ready") {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ready"}');
    return;
  }
  if (req.url === "/mcp") {
    void mcp(req, res);
    return;
  }
  res.writeHead(404).end();
});
const port = Number(process.env.PORT ?? 3997);
listener.listen(port, "127.0.0.1", () => {
  // The bench starts this with PORT=0 and reads the bound port from this line, as from the services.
  console.log(JSON.stringify({ msg: "listening", port: listener.address().port }));
});
process.on("SIGTERM", () => listener.close(() => process.exit(0)));
