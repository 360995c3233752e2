// Drives one real SDK client on Node, as an application would use it, so that bench/capture can record
// what it sends: connect to product-service, call get_product and search_products, close; connect to
// order-service, call create_order, close. Plain JavaScript because it runs on Node, like the
// applications (and Claude Desktop's bridge) that use these clients.
//   node bench/capture/drive.mjs sdk-v2|sdk-v1 <product /mcp url> <order /mcp url>
//   node bench/capture/drive.mjs sdk-v2|sdk-v1 <mcp url> --get-only   (get_product only, e.g. a peer)
import { randomUUID } from "node:crypto";

const [kind, productUrl, orderUrl] = process.argv.slice(2);
const getOnly = orderUrl === "--get-only";

async function clientFor(which) {
  if (which === "sdk-v2") {
    const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
    // 'auto' is how an application opts into 2026-07-28: probe server/discover, then stateless calls.
    return (url) => ({
      client: new Client(
        { name: "retail-mcp-capture", version: "1.0.0" },
        { versionNegotiation: { mode: "auto" } },
      ),
      transport: new StreamableHTTPClientTransport(new URL(url)),
    });
  }
  if (which === "sdk-v1") {
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { StreamableHTTPClientTransport } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    return (url) => ({
      client: new Client({ name: "retail-mcp-capture", version: "1.0.0" }),
      transport: new StreamableHTTPClientTransport(new URL(url)),
    });
  }
  throw new Error(`unknown client "${which}": use sdk-v2 or sdk-v1`);
}

function check(result, tool) {
  if (result.isError) throw new Error(`${tool} answered an error: ${JSON.stringify(result.content)}`);
}

const make = await clientFor(kind);
const product = make(productUrl);
await product.client.connect(product.transport);
check(
  await product.client.callTool({ name: "get_product", arguments: { product_id: "p002" } }),
  "get_product",
);
if (getOnly) {
  await product.client.close();
  console.log(JSON.stringify({ done: kind }));
  process.exit(0);
}
check(
  await product.client.callTool({
    name: "search_products",
    arguments: { query: "wireless headphones", limit: 10 },
  }),
  "search_products",
);
await product.client.close();

const order = make(orderUrl);
await order.client.connect(order.transport);
check(
  await order.client.callTool({
    name: "create_order",
    arguments: { items: [{ product_id: "p002", quantity: 1 }], idempotency_key: randomUUID() },
  }),
  "create_order",
);
await order.client.close();
console.log(JSON.stringify({ done: kind }));
