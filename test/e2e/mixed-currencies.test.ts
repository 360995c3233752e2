/**
 * An order whose items are priced in more than one currency, black box: product-service's internal
 * API refuses it (400, naming the currencies) and order-service rejects the order with those words,
 * taking no stock. The catalogue lets each product have its own currency, so this can happen.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { SQL } from "bun";
import { type ConnectedClient, callTool, connectClient } from "../support/mcp-client.ts";
import { type ServiceHandle, startService, tempDir } from "../support/service-process.ts";

const TOKEN = "mixed-currencies-token-0123456789";
const MESSAGE =
  "The items are priced in 2 currencies, EUR (p003) and USD (p002), and one order is paid in one currency. " +
  "Place one order per currency.";

let product: ServiceHandle;
let order: ServiceHandle;
let catalogue: ConnectedClient;
let orders: ConnectedClient;

beforeAll(async () => {
  const file = join(tempDir(), "product-service.sqlite");
  product = await startService("product-service", {
    databaseUrl: `sqlite://${file}`,
    env: { INTERNAL_TOKEN: TOKEN },
  });
  // The demo catalogue is all USD: price one product in EUR, as an imported catalogue may.
  const db = new SQL(`sqlite://${file}`);
  await db`UPDATE products SET currency = 'EUR' WHERE id = 'p003'`;
  await db.close();
  order = await startService("order-service", {
    env: { INTERNAL_TOKEN: TOKEN, PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}` },
  });
  catalogue = await connectClient(product.mcpUrl);
  orders = await connectClient(order.mcpUrl);
}, 120_000);

afterAll(async () => {
  await orders?.close();
  await catalogue?.close();
  await order?.stop();
  await product?.stop();
});

async function stock(): Promise<number[]> {
  const report = await callTool<{ items: { stock: number }[] }>(catalogue.client, "check_inventory", {
    product_ids: ["p002", "p003"],
  });
  return report.items.map((item) => item.stock);
}

test("the internal API refuses a reservation in two currencies with a 400 that names them", async () => {
  const response = await fetch(`${product.baseUrl}/internal/reservations`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      order_id: "mixed-1",
      items: [
        { product_id: "p002", quantity: 1 },
        { product_id: "p003", quantity: 1 },
      ],
    }),
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ error: "mixed_currencies", message: MESSAGE, order_id: "mixed-1" });
  expect(await stock()).toEqual([100, 35]);
});

test("create_order in two currencies is rejected with that message; one currency per order works", async () => {
  const rejected = await callTool<{ status: string; rejection_reason: string; total?: number }>(
    orders.client,
    "create_order",
    {
      items: [
        { product_id: "p002", quantity: 1 },
        { product_id: "p003", quantity: 1 },
      ],
    },
  );
  expect(rejected).toMatchObject({
    status: "rejected",
    rejection_reason: `The catalogue refused the items: ${MESSAGE}`,
  });
  expect(rejected).not.toHaveProperty("total");
  expect(await stock()).toEqual([100, 35]);

  const euro = await callTool<{ status: string; currency: string }>(orders.client, "create_order", {
    items: [{ product_id: "p003", quantity: 1 }],
  });
  expect(euro).toMatchObject({ status: "confirmed", currency: "EUR" });
  expect(await stock()).toEqual([100, 34]);
}, 30_000);
