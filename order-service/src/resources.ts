/** The order resource `order://{order_id}`: the caller's own orders only; listing shows recent ones. */
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { requireScope } from "service-kit/auth/scopes";
import { isDomainError } from "service-kit/errors";
import type { Orders } from "./orders/orders.ts";
import { presentOrder } from "./presenters.ts";

const RESOURCE_NOT_FOUND = -32002;

interface ResourceExtra {
  authInfo?: { clientId?: string; extra?: Record<string, unknown> };
}

/** Same rule as the kit's tool calls: the principal the transport authenticated, else "local". */
function principalOf(extra: ResourceExtra): string {
  return String(extra.authInfo?.extra?.principal ?? extra.authInfo?.clientId ?? "local");
}

export function registerOrderResources(server: McpServer, orders: Orders): void {
  server.registerResource(
    "order",
    new ResourceTemplate("order://{order_id}", {
      list: async (extra) => {
        requireScope(extra, "orders:read", "Listing order:// resources");
        const page = await orders.list(principalOf(extra as ResourceExtra), { limit: 50 });
        return {
          resources: page.orders.map((order) => ({
            uri: `order://${order.id}`,
            name: `Order ${order.id} (${order.status})`,
            mimeType: "application/json",
          })),
        };
      },
    }),
    {
      title: "Order",
      description: "One of your orders as JSON, amounts in currency units",
      mimeType: "application/json",
    },
    async (uri, variables, extra) => {
      requireScope(extra, "orders:read", uri.href);
      const id = decodeURIComponent(String(variables.order_id ?? ""));
      try {
        const order = presentOrder(await orders.get(principalOf(extra as ResourceExtra), id));
        return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(order) }] };
      } catch (error) {
        if (isDomainError(error)) throw new McpError(RESOURCE_NOT_FOUND, error.message, { uri: uri.href });
        throw error;
      }
    },
  );
}
