/** LOG_FORMAT from the outside: what the compiled binary prints to a person, and to a machine. */
import { afterAll, expect, test } from "bun:test";
import { connectClient } from "../support/mcp-client.ts";
import { type ServiceHandle, startService, waitForLogLine } from "../support/service-process.ts";

const started: ServiceHandle[] = [];
afterAll(async () => {
  for (const service of started) await service.stop();
});

test("LOG_FORMAT=pretty: one readable line per event, no JSON and no metrics block", async () => {
  const service = await startService("product-service", { env: { LOG_FORMAT: "pretty" } });
  started.push(service);
  const client = await connectClient(service.mcpUrl);
  await client.client.listTools();
  await client.close();
  await Bun.sleep(100);
  const lines = service.output().trim().split("\n");
  expect(lines.some((line) => line.includes(" INFO  product-service listening url="))).toBe(true);
  expect(
    lines.some((line) => / INFO {2}product-service request POST \/mcp 200 [\d.]+ms tools\/list /.test(line)),
  ).toBe(true);
  expect(lines.filter((line) => line.startsWith("{") || line.includes("_aws"))).toEqual([]);
}, 30_000);

test("JSON lines stay the default when stdout is not a terminal, metrics included", async () => {
  const service = await startService("product-service");
  started.push(service);
  await fetch(`${service.baseUrl}/ready`);
  const request = await waitForLogLine(service, (line) => line.msg === "request");
  expect(request).toMatchObject({ path: "/ready", status: 200, _aws: { CloudWatchMetrics: [{}] } });
}, 30_000);
