/**
 * Faults on the local cloud topology (own PostgreSQL, nginx, 2 order and 2 product tasks): kill -9
 * under load, a PostgreSQL restart under load, SIGTERM during an in-flight SSE tool call, and
 * product-service down while orders are placed. The books are checked in PostgreSQL directly: no
 * acknowledged order is lost and stock always equals the starting stock minus confirmed units.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Cluster, startCluster } from "../../scripts/cluster/cluster.ts";
import { type Ledger, readLedger, testCatalog } from "../../scripts/cluster/ledger.ts";
import { type LoadRecord, startOrderLoad, summarize } from "../../scripts/cluster/order-load.ts";
import { callTool, callToolExpectingError, connectClient } from "../support/mcp-client.ts";
import { binaryPath } from "../support/service-process.ts";

const PRODUCT = "fault-1";
const START_STOCK = 1_000_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function readyStatus(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await Bun.sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const ACCEPT_BOTH = "application/json, text/event-stream";

/** A session opened with raw HTTP, so the test sees the SSE response itself (the SDK would hide it). */
async function openRawSession(mcpUrl: string): Promise<{ post(body: unknown): Promise<Response> }> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: ACCEPT_BOTH };
  const init = await fetch(mcpUrl, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "drain-test", version: "1" },
      },
    }),
  });
  await init.text();
  const sessionId = init.headers.get("mcp-session-id");
  if (!init.ok || !sessionId) throw new Error(`initialize failed with HTTP ${init.status}`);
  headers["mcp-session-id"] = sessionId;
  headers["mcp-protocol-version"] = "2025-06-18";
  const post = (body: unknown): Promise<Response> =>
    fetch(mcpUrl, { method: "POST", headers, body: JSON.stringify(body) });
  await (await post({ jsonrpc: "2.0", method: "notifications/initialized" })).text();
  return { post };
}

/** The JSON-RPC result with this id from an SSE body. */
function sseResult(text: string, id: number): unknown {
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (!data.startsWith("{")) continue;
    const message = JSON.parse(data) as { id?: number; result?: unknown; error?: unknown };
    if (message.id === id) return message.result ?? { error: message.error };
  }
  throw new Error(`no response with id ${id} in the stream:\n${text.slice(0, 2000)}`);
}

function acknowledgedSince(records: readonly LoadRecord[], since: number): number {
  return records.filter((record) => record.startedAt > since && record.outcome === "acknowledged").length;
}

/** Waits until the reconciler has settled every pending order, then returns the books. */
async function settledLedger(cluster: Cluster): Promise<Ledger> {
  let ledger = await readLedger(cluster.databaseUrl, [PRODUCT]);
  await waitFor("pending orders to be reconciled", 60_000, async () => {
    ledger = await readLedger(cluster.databaseUrl, [PRODUCT]);
    return (ledger.countByStatus.pending ?? 0) === 0;
  });
  return ledger;
}

function expectBooksBalance(ledger: Ledger, acknowledged: LoadRecord[]): void {
  for (const record of acknowledged) {
    const stored = ledger.orders.get(record.orderId as string);
    expect({ key: record.key, status: stored?.status }).toEqual({ key: record.key, status: record.status });
  }
  const confirmed = ledger.confirmedUnits[PRODUCT] ?? 0;
  expect(ledger.stock[PRODUCT]).toBe(START_STOCK - confirmed);
  expect(ledger.reservedUnits[PRODUCT] ?? 0).toBe(confirmed);
}

/** What the clients of one run were told, next to what PostgreSQL holds for that run's keys. */
function report(ledger: Ledger, records: LoadRecord[], keyPrefix: string): Record<string, number> {
  const stored = [...ledger.orders.values()].filter((order) =>
    order.idempotencyKey?.startsWith(`${keyPrefix}-`),
  );
  const acknowledged = records.filter((record) => record.outcome === "acknowledged");
  return {
    ...summarize(records),
    acknowledgedFound: acknowledged.filter((record) => ledger.orders.has(record.orderId as string)).length,
    storedConfirmed: stored.filter((order) => order.status === "confirmed").length,
    unitsSold: stored
      .filter((order) => order.status === "confirmed")
      .reduce((sum, order) => sum + order.units, 0),
  };
}

describe("cluster faults", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // Its own PostgreSQL (not the shared test server), because one test restarts it.
    cluster = await startCluster({
      binaries: { product: await binaryPath("product-service"), order: await binaryPath("order-service") },
      seedCatalog: testCatalog([{ id: PRODUCT, name: "Fault Widget", price: 3, stock: START_STOCK }]),
      env: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
      productEnv: { SEED_DEMO_DATA: "false" },
      // One product call may wait up to 4 s, so a product task frozen for ~1.5 s (the drain test) answers.
      orderEnv: { RECONCILE_AFTER_SECONDS: "2", RECONCILE_INTERVAL_SECONDS: "1", PRODUCT_TIMEOUT_MS: "4000" },
    });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  test("kill -9 of one task of each service under load loses no acknowledged order", async () => {
    // A call in flight on the killed order task never gets its result (the SDK resumes the stream on the
    // other task, which cannot know it): the client gives up after 10 s and counts a transport error.
    const load = await startOrderLoad({
      orderMcpUrl: cluster.urls.orderMcp,
      productId: PRODUCT,
      keyPrefix: "kill",
      callTimeoutMs: 10_000,
    });
    await Bun.sleep(2000);
    const killedAt = Date.now();
    await Promise.all([cluster.kill("order-2"), cluster.kill("product-2")]);
    await Bun.sleep(2000);
    // Orders keep being confirmed on the surviving tasks (a deadline, not a fixed wait, for slow hosts).
    await waitFor(
      "orders acknowledged after the kill",
      30_000,
      async () => acknowledgedSince(load.records, killedAt + 1000) > 10,
    );
    const records = await load.stop();

    const acknowledged = records.filter((record) => record.outcome === "acknowledged");
    expect(acknowledged.length).toBeGreaterThan(50);
    expect(acknowledged.every((record) => record.status === "confirmed")).toBe(true);
    // Once nginx has marked the dead upstreams failed, traffic flows on the survivors.
    expect(acknowledgedSince(records, killedAt + 1000)).toBeGreaterThan(10);
    const ledger = await settledLedger(cluster);
    expectBooksBalance(ledger, acknowledged);
    console.log("kill -9 under load:", JSON.stringify(report(ledger, records, "kill")));

    await Promise.all([cluster.restart("order-2"), cluster.restart("product-2")]);
  }, 180_000);

  test("a PostgreSQL restart under load: /ready goes 503 then 200, tasks recover without a restart", async () => {
    const pidsBefore = cluster.instances.map((instance) => instance.pid);
    const load = await startOrderLoad({
      orderMcpUrl: cluster.urls.orderMcp,
      productId: PRODUCT,
      keyPrefix: "pg",
      callTimeoutMs: 20_000,
      pauseMs: 50,
    });
    await Bun.sleep(1500);
    const stoppedAt = Date.now();
    await cluster.stopPostgres();
    const notReadyMs = await waitFor("every task to report not ready", 10_000, async () => {
      const statuses = await Promise.all(cluster.instances.map((instance) => readyStatus(instance.baseUrl)));
      return statuses.every((status) => status === 503);
    });
    await Bun.sleep(3000);
    const startedAt = Date.now();
    await cluster.startPostgres();
    const readyAgainMs = await waitFor("every task to report ready again", 20_000, async () => {
      const statuses = await Promise.all(cluster.instances.map((instance) => readyStatus(instance.baseUrl)));
      return statuses.every((status) => status === 200);
    });
    const readyAt = Date.now();
    await waitFor(
      "orders acknowledged after the restart",
      30_000,
      async () => acknowledgedSince(load.records, readyAt) > 5,
    );
    const records = await load.stop();

    expect(cluster.instances.map((instance) => instance.pid)).toEqual(pidsBefore);
    // Calls made while the database was down failed fast and clearly; none hung.
    const during = records.filter(
      (record) => record.startedAt > stoppedAt + 500 && record.startedAt < startedAt,
    );
    expect(during.length).toBeGreaterThan(0);
    for (const record of during) {
      expect(record.durationMs).toBeLessThan(15_000);
      // A 503 from the kit (session lookup) or an isError from the tool, both saying to retry shortly.
      if (record.outcome !== "acknowledged")
        expect(record.error ?? "").toMatch(/not reachable right now.*retry/);
    }
    // After the restart the same tasks take orders again.
    expect(acknowledgedSince(records, readyAt)).toBeGreaterThan(5);
    const ledger = await settledLedger(cluster);
    expectBooksBalance(
      ledger,
      records.filter((record) => record.outcome === "acknowledged"),
    );
    const timing = { notReadyMs, downMs: startedAt - stoppedAt, readyAgainMs };
    console.log(
      "PostgreSQL restart under load:",
      JSON.stringify({ ...report(ledger, records, "pg"), ...timing }),
    );
  }, 180_000);

  test("a PostgreSQL crash under load (immediate stop, WAL replay) loses no acknowledged order", async () => {
    // Each write of an order is its own single-statement transaction on PostgreSQL: acknowledged only
    // once its commit is flushed (synchronous_commit on), so a crash must not lose it.
    const load = await startOrderLoad({
      orderMcpUrl: cluster.urls.orderMcp,
      productId: PRODUCT,
      keyPrefix: "crash",
      callTimeoutMs: 20_000,
      pauseMs: 20,
    });
    await waitFor(
      "orders acknowledged before the crash",
      30_000,
      async () => acknowledgedSince(load.records, 0) > 20,
    );
    await cluster.crashPostgres();
    await Bun.sleep(1000);
    await cluster.startPostgres();
    const restartedAt = Date.now();
    await waitFor(
      "orders acknowledged after the crash",
      30_000,
      async () => acknowledgedSince(load.records, restartedAt) > 5,
    );
    const records = await load.stop();
    const acknowledged = records.filter((record) => record.outcome === "acknowledged");
    expect(acknowledged.every((record) => record.status === "confirmed")).toBe(true);
    const ledger = await settledLedger(cluster);
    expectBooksBalance(ledger, acknowledged);
    console.log("PostgreSQL crash under load:", JSON.stringify(report(ledger, records, "crash")));
  }, 180_000);

  test("SIGTERM during an in-flight SSE tool call: the call completes, then the task exits within the drain bound", async () => {
    const order1 = cluster.instance("order-1");
    const session = await openRawSession(`${order1.baseUrl}/mcp`);
    // Freeze both product tasks (as a long GC pause or a starved CPU would), so create_order is still
    // waiting for its reservation when the order task is told to stop.
    for (const name of ["product-1", "product-2"]) cluster.instance(name).signal("SIGSTOP");
    let thawed = false;
    const thaw = (): void => {
      if (thawed) return;
      thawed = true;
      for (const name of ["product-1", "product-2"]) cluster.instance(name).signal("SIGCONT");
    };
    try {
      const call = session.post({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "create_order",
          // A progress token keeps the answer an SSE stream (without one, a client that cannot be asked
          // gets JSON): the drain must wait for a running stream.
          _meta: { progressToken: "drain" },
          // confirm: true skips the price check before the saga (ORDER_CONFIRM_ABOVE), as before it existed.
          arguments: {
            items: [{ product_id: PRODUCT, quantity: 1 }],
            idempotency_key: "drain-1",
            confirm: true,
          },
        },
      });
      const body = call.then(async (response) => ({
        contentType: response.headers.get("content-type"),
        text: await response.text(),
        at: Date.now(),
      }));
      await Bun.sleep(300);
      const sigtermAt = Date.now();
      order1.signal("SIGTERM");
      await Bun.sleep(300);
      expect(await readyStatus(order1.baseUrl)).not.toBe(200);
      await Bun.sleep(1000);
      thaw();
      const { contentType, text, at: completedAt } = await body;
      expect(contentType).toStartWith("text/event-stream");
      const result = sseResult(text, 2) as { structuredContent?: { status: string }; isError?: boolean };
      expect(JSON.stringify(result)).not.toContain('"isError":true');
      expect(result.structuredContent?.status).toBe("confirmed");
      const code = await order1.stop(SHUTDOWN_TIMEOUT_MS + 5000);
      const exitedAt = Date.now();
      expect(code).toBe(0);
      expect(completedAt).toBeLessThanOrEqual(exitedAt);
      expect(exitedAt - sigtermAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      const shutdown = order1.logLines().findLast((line) => line.msg === "shutting down");
      expect(shutdown?.inFlight).toBeGreaterThanOrEqual(1);
      console.log(
        "SIGTERM drain:",
        JSON.stringify({
          completedAfterSigtermMs: completedAt - sigtermAt,
          exitedAfterSigtermMs: exitedAt - sigtermAt,
        }),
      );
    } finally {
      thaw();
    }
    await cluster.restart("order-1");
  }, 120_000);

  test("product-service down: the order is kept pending with a retryable error, then reconciled when it returns", async () => {
    await Promise.all(["product-1", "product-2"].map((name) => cluster.instance(name).stop()));
    const client = await connectClient(cluster.urls.orderMcp);
    try {
      const started = Date.now();
      const text = await callToolExpectingError(client.client, "create_order", {
        items: [{ product_id: PRODUCT, quantity: 4 }],
        idempotency_key: "down-1",
        // Unconfirmed orders cannot be priced while the catalogue is down; a confirmed one is kept pending.
        confirm: true,
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(text).toContain("saved as pending");
      expect(text).toContain('same idempotency_key ("down-1")');
      const pending = [...(await readLedger(cluster.databaseUrl, [PRODUCT])).orders.values()].find(
        (order) => order.idempotencyKey === "down-1",
      );
      expect(pending?.status).toBe("pending");

      await Promise.all(["product-1", "product-2"].map((name) => cluster.restart(name)));
      const ledger = await settledLedger(cluster);
      expect(ledger.orders.get(pending?.id as string)?.status).toBe("confirmed");
      expectBooksBalance(ledger, []);
      const order = await callTool<{ status: string; total: number }>(client.client, "get_order", {
        order_id: pending?.id,
      });
      expect(order).toMatchObject({ status: "confirmed", total: 12 });
    } finally {
      await client.close();
    }
  }, 120_000);
});
