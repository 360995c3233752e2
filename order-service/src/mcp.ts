/** Builds the order-service MCP server: order tools and the order resource over one Orders. */
import { McpServer } from "@modelcontextprotocol/server";
import type { ToolKit } from "service-kit/mcp/tools";
import type { Orders } from "./orders/orders.ts";
import { registerOrderResources } from "./resources.ts";
import { registerOrderTools } from "./tools.ts";

export function createOrderMcpServer(orders: Orders, kit: ToolKit, version: string): McpServer {
  const server = new McpServer(
    { name: "order-service", title: "Shop orders", version },
    {
      capabilities: { logging: {} },
      instructions:
        "Orders of a shop. create_order places an order (prices and stock come from the catalogue; pass an " +
        "idempotency_key so retries are safe), get_order and list_orders show your orders, cancel_order " +
        "cancels one and releases its stock. Amounts are in currency units.",
    },
  );
  registerOrderTools(server, kit, orders);
  registerOrderResources(server, orders);
  return server;
}
