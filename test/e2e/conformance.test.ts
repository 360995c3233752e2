/**
 * The conformance gate itself: it must report a failure when a server does not do what a scenario asks
 * (or `bun run conformance` could pass while checking nothing), and pass on the fixture. Also checks the
 * fixture's resource subscriptions end to end, since the suite only checks that (un)subscribe answer {}.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { type RunningServer, runScenarios, startFixture } from "../../scripts/conformance.ts";
import { serviceScenarios } from "../../scripts/conformance-plan.ts";
import { callTool, connectClient } from "../support/mcp-client.ts";
import { type ServiceHandle, startService } from "../support/service-process.ts";

let fixture: RunningServer;
let product: ServiceHandle;

beforeAll(async () => {
  [fixture, product] = await Promise.all([startFixture(), startService("product-service")]);
}, 120_000);

afterAll(async () => {
  await Promise.all([fixture?.stop(), product?.stop()]);
});

describe("conformance gate", () => {
  test("a scenario the server cannot satisfy is reported as failed, with the check's message", async () => {
    // product-service has no test://static-text resource, so this fixture scenario must fail against it.
    const [result] = await runScenarios(product.mcpUrl, "resources-read-text", "2025-11-25", 60_000);
    expect(result?.scenario).toBe("resources-read-text");
    expect(result?.failed).toBe(1);
    expect(result?.problems.join("\n")).toContain("ResourcesReadText");
    // The same at the 2026-07-28 wire: the scenario reaches the server's modern leg and fails there.
    const [modern] = await runScenarios(product.mcpUrl, "resources-read-text", "2026-07-28", 60_000);
    expect(modern?.failed).toBeGreaterThan(0);
    expect(modern?.passed).toBeGreaterThan(0);
  }, 90_000);

  test("the fixture passes the resumability and subscription scenarios", async () => {
    for (const scenario of ["server-sse-polling", "resources-subscribe", "resources-unsubscribe"]) {
      const results = await runScenarios(fixture.url, scenario, "2025-11-25", 60_000);
      expect(results.map((result) => [result.scenario, result.failed, result.problems])).toEqual([
        [scenario, 0, []],
      ]);
      expect(results[0]?.passed).toBeGreaterThan(0);
    }
  }, 90_000);

  test("services are checked for the features they declare, in both eras", async () => {
    const modern = await serviceScenarios(product.mcpUrl, "2026-07-28");
    expect(modern.run).toEqual(
      expect.arrayContaining([
        "tools-list",
        "resources-list",
        "sep-2164-resource-not-found",
        "prompts-list",
        "caching",
        "http-header-validation",
      ]),
    );
    expect(modern.run).not.toContain("logging-set-level");
    expect(modern.notDeclared).toEqual([]);
    const plan = await serviceScenarios(product.mcpUrl, "2025-11-25");
    expect(plan.run).toEqual(
      expect.arrayContaining([
        "server-initialize",
        "ping",
        "tools-list",
        "resources-list",
        "prompts-list",
        "logging-set-level",
        "resources-subscribe",
        "resources-unsubscribe",
      ]),
    );
    expect(plan.run).toContain("dns-rebinding-protection");
    expect(plan.notDeclared).toEqual([]);
  });
});

describe("fixture resource subscriptions", () => {
  test("a subscriber hears about an update, and stops hearing after unsubscribing", async () => {
    const watcher = await connectClient(fixture.url);
    const toucher = await connectClient(fixture.url);
    try {
      const updates: string[] = [];
      watcher.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
        updates.push(notification.params.uri);
      });
      const touch = async (): Promise<void> => {
        expect(await callTool<{ touched: boolean }>(toucher.client, "touch_watched_resource")).toEqual({
          touched: true,
        });
      };
      // Not subscribed yet: a touch is not heard.
      await touch();
      await Bun.sleep(200);
      expect(updates).toEqual([]);
      await watcher.client.subscribeResource({ uri: "test://watched-resource" });
      await touch();
      const deadline = Date.now() + 5000;
      while (updates.length === 0 && Date.now() < deadline) await Bun.sleep(20);
      expect(updates).toEqual(["test://watched-resource"]);

      await watcher.client.unsubscribeResource({ uri: "test://watched-resource" });
      await touch();
      await Bun.sleep(200);
      expect(updates).toHaveLength(1);
    } finally {
      await Promise.all([watcher.close(), toucher.close()]);
    }
  });
});
