/**
 * Steady create_order traffic for fault experiments: W workers, each on its own MCP session through the
 * proxy, placing one order after another with a fresh idempotency key. Every call's outcome is recorded:
 * acknowledged (the client was told "confirmed" or "rejected"), a tool error (isError text) or a
 * transport error (HTTP 5xx from the proxy, connection reset). Calls are not retried, so each error
 * is visible and counted.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export interface LoadRecord {
  key: string;
  startedAt: number;
  durationMs: number;
  quantity: number;
  outcome: "acknowledged" | "tool_error" | "transport_error";
  orderId?: string;
  status?: string;
  error?: string;
}

export interface OrderLoad {
  records: LoadRecord[];
  /** Stops the workers after their current call and closes the sessions. */
  stop(): Promise<LoadRecord[]>;
}

export interface OrderLoadOptions {
  orderMcpUrl: string;
  productId: string;
  workers?: number;
  /** Prefix of the idempotency keys, so that several runs can share a database. */
  keyPrefix: string;
  /** Pause between one worker's calls. */
  pauseMs?: number;
  /** Per-call limit: a call that takes longer counts as a transport error (a hang). */
  callTimeoutMs?: number;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "cluster-order-load", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export async function startOrderLoad(options: OrderLoadOptions): Promise<OrderLoad> {
  const records: LoadRecord[] = [];
  const workers = options.workers ?? 6;
  const clients = await Promise.all(Array.from({ length: workers }, () => connect(options.orderMcpUrl)));
  let running = true;
  let sequence = 0;
  const work = async (client: Client, worker: number): Promise<void> => {
    while (running) {
      const key = `${options.keyPrefix}-${worker}-${sequence++}`;
      const quantity = 1 + (sequence % 3);
      const startedAt = Date.now();
      const record: LoadRecord = { key, startedAt, durationMs: 0, quantity, outcome: "transport_error" };
      try {
        const result = await client.callTool(
          {
            name: "create_order",
            arguments: { items: [{ product_id: options.productId, quantity }], idempotency_key: key },
          },
          undefined,
          { timeout: options.callTimeoutMs ?? 30_000 },
        );
        if (result.isError) {
          record.outcome = "tool_error";
          record.error = (result.content as { text?: string }[]).map((part) => part.text ?? "").join(" ");
        } else {
          const order = result.structuredContent as { order_id: string; status: string };
          record.outcome = "acknowledged";
          record.orderId = order.order_id;
          record.status = order.status;
        }
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      }
      record.durationMs = Date.now() - startedAt;
      records.push(record);
      if (options.pauseMs) await Bun.sleep(options.pauseMs);
    }
  };
  const done = Promise.all(clients.map((client, index) => work(client, index)));
  return {
    records,
    stop: async () => {
      running = false;
      await done;
      await Promise.allSettled(clients.map((client) => client.close()));
      return records;
    },
  };
}

/** Counts of a run's outcomes, for assertions and reports. */
export function summarize(records: readonly LoadRecord[]): Record<string, number> {
  const summary: Record<string, number> = { calls: records.length };
  for (const record of records) {
    const name = record.outcome === "acknowledged" ? `acknowledged_${record.status}` : record.outcome;
    summary[name] = (summary[name] ?? 0) + 1;
  }
  return summary;
}
