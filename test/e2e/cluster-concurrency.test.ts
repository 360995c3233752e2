/**
 * Concurrency on the local cloud topology (PostgreSQL, nginx, 2 order and 2 product tasks): many
 * buyers racing for little stock never oversell it, and one idempotency key sent to two order tasks at
 * the same moment makes one order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type Cluster, startCluster } from "../../scripts/cluster/cluster.ts";
import { readLedger, testCatalog } from "../../scripts/cluster/ledger.ts";
import { type ConnectedClient, connectClient } from "../support/mcp-client.ts";
import { createTestDatabase } from "../support/postgres.ts";
import { binaryPath } from "../support/service-process.ts";

const SCARCE = "scarce-1";
const PLENTY = "plenty-1";
const STOCK = 25;

interface OrderAnswer {
  order_id: string;
  status: "pending" | "confirmed" | "rejected" | "cancelled";
  lines: { quantity: number }[];
}

type Outcome = { ok: true; order: OrderAnswer; attempts: number } | { ok: false; error: string };

/**
 * create_order as a careful client does it: on a retryable error it sends the same idempotency_key
 * again, so a retry can never order twice.
 */
async function createOrder(client: Client, args: Record<string, unknown>, maxAttempts = 8): Promise<Outcome> {
  let last = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const result = await client.callTool({ name: "create_order", arguments: args });
      if (!result.isError)
        return { ok: true, order: result.structuredContent as OrderAnswer, attempts: attempt };
      last = (result.content as { text?: string }[]).map((part) => part.text ?? "").join(" ");
      if (!/retry/i.test(last)) return { ok: false, error: last };
    } catch (error) {
      last = String(error);
    }
    await Bun.sleep(100 * attempt);
  }
  return { ok: false, error: last };
}

function requestCount(
  cluster: Cluster,
  name: string,
  filter: (line: Record<string, unknown>) => boolean,
): number {
  return cluster.instance(name).logLines().filter(filter).length;
}

/** Reservations a product task was asked for: one per single request, each entry of a batch request. */
function reservationsAsked(cluster: Cluster, name: string): number {
  return cluster
    .instance(name)
    .logLines()
    .reduce((sum, line) => {
      if (line.path === "/internal/reservations") return sum + 1;
      if (line.path === "/internal/reservations/batch") return sum + Number(line.reservations);
      return sum;
    }, 0);
}

describe("cluster concurrency on PostgreSQL", () => {
  let cluster: Cluster;
  const clients: ConnectedClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      databaseUrl: await createTestDatabase("cluster_conc"),
      binaries: { product: await binaryPath("product-service"), order: await binaryPath("order-service") },
      seedCatalog: testCatalog([
        { id: SCARCE, name: "Scarce Widget", price: 10, stock: STOCK },
        { id: PLENTY, name: "Plentiful Widget", price: 2.5, stock: 100_000 },
      ]),
      productEnv: { SEED_DEMO_DATA: "false" },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await cluster?.stop();
  }, 90_000);

  test("200 concurrent create_order calls for a stock of 25 sell exactly 25 units", async () => {
    const sessions = 20;
    const perSession = 10;
    for (let i = 0; i < sessions; i++) clients.push(await connectClient(cluster.urls.orderMcp));
    const outcomes = await Promise.all(
      clients.flatMap((connection, s) =>
        Array.from({ length: perSession }, (_, i) =>
          createOrder(connection.client, {
            items: [{ product_id: SCARCE, quantity: 1 }],
            idempotency_key: `race-${s}-${i}`,
          }),
        ),
      ),
    );
    const failures = outcomes.filter((outcome) => !outcome.ok);
    expect(failures).toEqual([]);
    const answers = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.order] : []));
    const confirmed = answers.filter((order) => order.status === "confirmed");
    const rejected = answers.filter((order) => order.status === "rejected");
    expect(confirmed.length).toBe(STOCK);
    expect(rejected.length).toBe(200 - STOCK);

    const ledger = await readLedger(cluster.databaseUrl, [SCARCE]);
    expect(ledger.stock[SCARCE]).toBe(0);
    expect(ledger.confirmedUnits[SCARCE]).toBe(STOCK);
    expect(ledger.reservedUnits[SCARCE]).toBe(STOCK);
    expect(ledger.countByStatus).toEqual({ confirmed: STOCK, rejected: 200 - STOCK });
    for (const order of confirmed) expect(ledger.orders.get(order.order_id)?.status).toBe("confirmed");

    // The load really was spread: both order tasks took create_order calls, both product tasks reserved.
    for (const name of ["order-1", "order-2"]) {
      expect(requestCount(cluster, name, (line) => line.tool === "create_order")).toBeGreaterThan(20);
    }
    for (const name of ["product-1", "product-2"])
      expect(reservationsAsked(cluster, name)).toBeGreaterThan(20);
  }, 180_000);

  test("one idempotency key sent to both order tasks at the same moment makes one order", async () => {
    const direct = await Promise.all(
      ["order-1", "order-2"].map((name) => connectClient(cluster.urls.direct[name] as string)),
    );
    clients.push(...direct);
    for (let round = 0; round < 10; round++) {
      const args = { items: [{ product_id: PLENTY, quantity: 2 }], idempotency_key: `twin-${round}` };
      const [first, second] = await Promise.all(
        direct.map((connection) => createOrder(connection.client, args)),
      );
      if (!first?.ok || !second?.ok)
        throw new Error(`create_order failed: ${JSON.stringify([first, second])}`);
      expect(first.order.order_id).toBe(second.order.order_id);
      expect(first.order.status).toBe("confirmed");
      expect(second.order.status).toBe("confirmed");
    }
    const ledger = await readLedger(cluster.databaseUrl, [PLENTY]);
    const twins = [...ledger.orders.values()].filter((order) => order.idempotencyKey?.startsWith("twin-"));
    expect(twins.length).toBe(10);
    expect(twins.every((order) => order.status === "confirmed")).toBe(true);
    expect(ledger.stock[PLENTY]).toBe(100_000 - 10 * 2);
    expect(ledger.reservedUnits[PLENTY]).toBe(10 * 2);
  }, 120_000);
});
