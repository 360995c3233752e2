/** The order resource `order://{order_id}`: the caller's own orders only; listing shows recent ones. */
import {
  type McpServer,
  ResourceNotFoundError,
  ResourceTemplate,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { declareResourceScope, isDomainError, requireScope } from "service-kit";
import type { Orders } from "./orders/orders.ts";
import { presentOrder } from "./presenters.ts";

/** Same rule as the kit's tool calls: the principal the transport authenticated, else "local". */
function principalOf(ctx: ServerContext): string {
  const authInfo = ctx.http?.authInfo;
  return String(authInfo?.extra?.principal ?? authInfo?.clientId ?? "local");
}

export function registerOrderResources(server: McpServer, orders: Orders): void {
  // Watching an order (resources/subscribe, subscriptions/listen) needs the scope reading it needs.
  declareResourceScope(server, "order://", "orders:read");
  server.registerResource(
    "order",
    new ResourceTemplate("order://{order_id}", {
      list: async (ctx) => {
        requireScope(ctx, "orders:read", "Listing order:// resources");
        const page = await orders.list(principalOf(ctx), { limit: 50 });
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
    async (uri, variables, ctx) => {
      requireScope(ctx, "orders:read", uri.href);
      const id = decodeURIComponent(String(variables.order_id ?? ""));
      try {
        const order = presentOrder(await orders.get(principalOf(ctx), id));
        return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(order) }] };
      } catch (error) {
        // SEP-2164: the SDK answers -32602 with data.uri, in both protocol eras.
        if (isDomainError(error)) throw new ResourceNotFoundError(uri.href, error.message);
        throw error;
      }
    },
  );
}
