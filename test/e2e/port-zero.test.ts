/**
 * PORT=0: the service binds a port the OS picks and names it in its `listening` line, and the harness
 * reads it from there, so no test races another process for a port it chose but did not hold.
 */
import { afterAll, expect, test } from "bun:test";
import {
  binaryPath,
  retryOnBindFailure,
  type ServiceHandle,
  startService,
} from "../support/service-process.ts";

const started: ServiceHandle[] = [];
afterAll(async () => {
  for (const service of started) await service.stop();
});

test("with PORT=0 the service listens where its listening line says, and the harness uses that port", async () => {
  const [first, second] = await Promise.all([
    startService("product-service"),
    startService("product-service"),
  ]);
  started.push(first, second);
  for (const service of [first, second]) {
    expect(service.env.PORT).toBe("0");
    expect(service.port).toBeGreaterThan(0);
    const listening = service.logLines().find((line) => line.msg === "listening");
    expect(listening).toMatchObject({ port: service.port, url: `http://127.0.0.1:${service.port}/mcp` });
    const ready = await fetch(`${service.baseUrl}/ready`);
    expect(ready.status).toBe(200);
  }
  expect(first.port).not.toBe(second.port);
}, 60_000);

test("a port taken before the service binds it is replaced by a fresh one", async () => {
  const taken: number[] = [];
  const service = await retryOnBindFailure(async (port) => {
    if (taken.length > 0) return startService("product-service", { port });
    // Another process takes the port first: the service's bind fails and the next attempt moves on.
    taken.push(port);
    const squatter = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("squatter") });
    try {
      return await startService("product-service", { port });
    } finally {
      await squatter.stop(true);
    }
  });
  started.push(service);
  expect(taken).toHaveLength(1);
  expect(service.port).not.toBe(taken[0]);
  expect((await fetch(`${service.baseUrl}/ready`)).status).toBe(200);
}, 60_000);

test("healthcheck with PORT=0 refuses with a clear message instead of probing port 0", async () => {
  const result = Bun.spawnSync([await binaryPath("product-service"), "healthcheck"], {
    env: { PATH: process.env.PATH ?? "", PORT: "0" },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(result.exitCode).toBe(2);
  expect(result.stderr.toString()).toContain("PORT=0 names none (set PORT)");
});
