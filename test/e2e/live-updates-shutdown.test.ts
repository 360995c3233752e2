/**
 * A task that stops (deploy, scale-in) ends its open subscriptions/listen streams at once and
 * gracefully, so clients re-listen on another task, instead of holding its drain for
 * SHUTDOWN_TIMEOUT_MS: a listen stream is a channel, not a request still running.
 */
import { expect, test } from "bun:test";
import type { McpSubscription } from "@modelcontextprotocol/client";
import { connectModernClient } from "../support/mcp-v2-client.ts";
import { startService } from "../support/service-process.ts";

test("SIGTERM ends open listen streams gracefully and does not wait for them", async () => {
  const product = await startService("product-service", { env: { SHUTDOWN_TIMEOUT_MS: "20000" } });
  const client = await connectModernClient(product.mcpUrl, "pin-2026-07-28");
  let subscription: McpSubscription | undefined;
  try {
    subscription = await client.listen({ resourceSubscriptions: ["product://p001"] });
    const started = performance.now();
    const code = await product.stop();
    const tookMs = performance.now() - started;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(5000);
    expect(await subscription.closed).toBe("graceful");
  } finally {
    await client.close().catch(() => undefined);
    if (product.process.exitCode === null) product.process.kill("SIGKILL");
  }
}, 30_000);
