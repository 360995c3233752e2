/**
 * The ceiling: raw Bun.serve reading each POST body and answering a fixed JSON-RPC tools/call result
 * of the same size and shape as product-service's get_product answer. No routing, no MCP, no
 * database: the most any Bun server can answer on this machine. Run: PORT=… bun bench/ceiling.ts
 *
 * With CEILING_ANSWERS=<file> (written by bench/client-cases.ts from product-service's own answers
 * to the captured requests) it also serves real SDK v2 clients: it reads each body's JSON-RPC method
 * and id and answers the canned result for that method (server/discover, tools/call) with that id,
 * so the clients' own cost can be measured against a server that costs almost nothing.
 */
import { readFileSync } from "node:fs";
import { cannedToolResponse } from "./canned.ts";

const body = cannedToolResponse();
const answersFile = process.env.CEILING_ANSWERS;
const answers: Record<string, string> = answersFile ? JSON.parse(readFileSync(answersFile, "utf8")) : {};
const JSON_TYPE = { "content-type": "application/json" };

/** The canned `result` for the request's method, wrapped with the request's own id. */
function answerFor(text: string): Response {
  const request = JSON.parse(text) as { id?: unknown; method?: string };
  if (request.id === undefined) return new Response(null, { status: 202 });
  const result = answers[request.method ?? ""];
  const id = JSON.stringify(request.id);
  if (result === undefined) {
    const error = `{"jsonrpc":"2.0","id":${id},"error":{"code":-32601,"message":"not canned"}}`;
    return new Response(error, { headers: JSON_TYPE });
  }
  return new Response(`{"jsonrpc":"2.0","id":${id},"result":${result}}`, { headers: JSON_TYPE });
}

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3999),
  hostname: "127.0.0.1",
  async fetch(request) {
    if (request.method !== "POST") return new Response(body, { headers: JSON_TYPE });
    const text = await request.text();
    return answersFile ? answerFor(text) : new Response(body, { headers: JSON_TYPE });
  },
});
// The same `listening` line as the services print, so the bench reads the port PORT=0 bound.
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.on("SIGTERM", () => {
  void server.stop(true).then(() => process.exit(0));
});
