/** Builds the order-service MCP server: order tools and the order resource over one Orders. */
import { McpServer, type ServerOptions } from "@modelcontextprotocol/server";
import { type ConfirmationCodec, KIT_CACHE_HINTS, type ToolKit } from "service-kit";
import type { Orders } from "./orders/orders.ts";
import { registerOrderResources } from "./resources.ts";
import { type OrderToolOptions, registerOrderTools } from "./tools.ts";

/**
 * How long 2026-07-28 clients may reuse list and read results (the SDK adds ttlMs and cacheScope to
 * them; 2025 answers are unchanged). A caller's orders are theirs alone and change at any time: `private`
 * and not reusable. What every caller sees the same (discover, the template) is `public`.
 */
const CACHE_HINTS: ServerOptions["cacheHints"] = {
  ...KIT_CACHE_HINTS,
  "resources/list": { ttlMs: 0, cacheScope: "private" },
  "resources/read": { ttlMs: 0, cacheScope: "private" },
};

export function createOrderMcpServer(
  orders: Orders,
  kit: ToolKit & { confirmations: ConfirmationCodec },
  options: OrderToolOptions,
  version: string,
): McpServer {
  const server = new McpServer(
    { name: "order-service", title: "Shop orders", version },
    {
      // No prompts yet, but prompts/list answers an empty list (with cache hints) instead of -32601.
      capabilities: { logging: {}, prompts: {} },
      cacheHints: CACHE_HINTS,
      // A confirmation round's state comes back through the client: only state this service signed counts.
      requestState: { verify: kit.confirmations.verify },
      instructions:
        "Orders of a shop. create_order places an order (prices and stock come from the catalogue; pass an " +
        "idempotency_key so retries are safe), get_order and list_orders show your orders, cancel_order " +
        "cancels one and releases its stock. Amounts are in currency units.",
    },
  );
  registerOrderTools(server, kit, orders, options);
  registerOrderResources(server, orders);
  return server;
}
