/**
 * The ceiling: raw Bun.serve reading each POST body and answering a fixed JSON-RPC tools/call result
 * of the same size and shape as product-service's get_product answer. No routing, no MCP, no
 * database: the most any Bun server can answer on this machine. Run: PORT=… bun bench/ceiling.ts
 */
import { cannedToolResponse } from "./canned.ts";

const body = cannedToolResponse();
const server = Bun.serve({
  port: Number(process.env.PORT ?? 3999),
  hostname: "127.0.0.1",
  async fetch(request) {
    if (request.method === "POST") await request.text();
    return new Response(body, { headers: { "content-type": "application/json" } });
  },
});
// The same `listening` line as the services print, so the bench reads the port PORT=0 bound.
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.on("SIGTERM", () => {
  void server.stop(true).then(() => process.exit(0));
});
