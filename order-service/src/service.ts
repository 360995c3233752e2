/** order-service as a kit service definition: migrations, the order saga, its reconciler, MCP server. */
import { randomBytes } from "node:crypto";
import {
  createConfirmationCodec,
  isLoopbackHost,
  MIN_STATE_KEY_BYTES,
  resolveInternalToken,
  resolveOptionalSecret,
  type ServiceDefinition,
} from "service-kit";
import ordersMigration from "../migrations/001_orders.sql" with { type: "text" };
import orderCapMigration from "../migrations/002_order_cap.sql" with { type: "text" };
import packageJson from "../package.json" with { type: "json" };
import type { OrderConfig } from "./config.ts";
import { createOrderMcpServer } from "./mcp.ts";
import { OrderRepository } from "./orders/order-repository.ts";
import { Orders } from "./orders/orders.ts";
import { Reconciler } from "./orders/reconciler.ts";
import { ProductClient } from "./product-client.ts";
import type { OrderToolOptions } from "./tools.ts";

export const orderService: ServiceDefinition<OrderConfig> = {
  info: {
    name: "order-service",
    version: packageJson.version,
    description: "Orders MCP server",
  },
  migrations: [
    { id: "001_orders", sql: ordersMigration },
    { id: "002_order_cap", sql: orderCapMigration },
  ],
  async setup({ config, db, changes, log, metrics, info }) {
    const internalToken = await resolveInternalToken(config);
    if (internalToken === undefined) {
      // product-service refuses every reservation without it, so every order would fail later.
      throw new Error(
        "INTERNAL_TOKEN is not set: order-service needs product-service's service token to reserve stock. " +
          "Set INTERNAL_TOKEN to the value product-service has (npm run dev does this), or INTERNAL_TOKEN_SSM_PARAMETER in the cloud.",
      );
    }
    const repository = new OrderRepository(db, changes);
    const products = new ProductClient({
      baseUrl: config.PRODUCT_SERVICE_URL,
      token: () => internalToken,
      attemptTimeoutMs: config.PRODUCT_TIMEOUT_MS,
      budgetMs: config.PRODUCT_BUDGET_MS,
      log,
    });
    const orders = new Orders(
      repository,
      products,
      {
        confirmed: (order) => metrics.emit({ OrdersCreated: 1 }, { orderId: order.id }),
        rejected: (order) => metrics.emit({ OrdersRejected: 1 }, { orderId: order.id }),
      },
      log,
    );
    const reconciler = new Reconciler(orders, repository, log, {
      afterSeconds: config.RECONCILE_AFTER_SECONDS,
      intervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
    });
    reconciler.start();
    const stateKey = await resolveStateKey(config);
    if (stateKey === undefined && !isLoopbackHost(config.HOST)) {
      log.warn(
        "MCP_STATE_KEY is not set: this instance signs confirmation rounds with a key of its own, so a " +
          "confirmation answered on another instance is refused. Set the same MCP_STATE_KEY on every instance.",
      );
    }
    const confirmations = createConfirmationCodec(stateKey ?? randomBytes(32).toString("hex"));
    const toolOptions: OrderToolOptions = {
      confirmAboveCents: Math.round(config.ORDER_CONFIRM_ABOVE * 100),
    };
    return {
      createMcpServer: () =>
        createOrderMcpServer(orders, { log, metrics, confirmations }, toolOptions, info.version),
      stop: () => reconciler.stop(),
    };
  },
};

/** The key that signs confirmation rounds: from SSM in the cloud, MCP_STATE_KEY locally, else none. */
async function resolveStateKey(config: OrderConfig): Promise<string | undefined> {
  const key = await resolveOptionalSecret({
    name: "MCP_STATE_KEY",
    value: config.MCP_STATE_KEY,
    ssmParameter: config.MCP_STATE_KEY_SSM_PARAMETER,
    region: config.AWS_REGION,
    endpoint: config.SSM_ENDPOINT,
  });
  // The environment value was checked with the config; a parameter's value only now.
  if (key !== undefined && Buffer.byteLength(key) < MIN_STATE_KEY_BYTES) {
    throw new Error(
      `MCP_STATE_KEY from ${config.MCP_STATE_KEY_SSM_PARAMETER} must be at least ${MIN_STATE_KEY_BYTES} bytes: ` +
        "store the output of: openssl rand -hex 32",
    );
  }
  return key;
}
