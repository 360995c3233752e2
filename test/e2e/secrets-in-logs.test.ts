/**
 * Secrets never reach the logs. Drives auth traffic at the compiled binaries with LOG_LEVEL=debug:
 * valid and invalid API keys (from the SSM fake and from API_KEYS), valid and invalid JWTs, internal
 * calls with the right and a wrong service token (itself read from SSM), and database URLs holding a
 * password that cannot connect; then searches every byte the processes printed for each secret.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type FakeSsm, startFakeSsm } from "../support/fake-ssm.ts";
import { type JwksServer, startJwksServer } from "../support/jwks-server.ts";
import { callTool, connectClient } from "../support/mcp-client.ts";
import {
  binaryPath,
  retryOnBindFailure,
  runToExit,
  type ServiceHandle,
  startService,
  unusedPort,
} from "../support/service-process.ts";

const INTERNAL_TOKEN = "internal-token-from-ssm-3f9a1c7e5b2d4680";
const WRONG_INTERNAL = "wrong-internal-token-a1b2c3d4e5f60718";
const DB_PASSWORD = "db-pw-7Hq2xZ9mL4vR8nK1";
const LOCAL_KEY = "rmcp_local_dev_key_for_orders_9x8y7z6w5v";
const WRONG_KEY = "rmcp_wrong_key_that_nobody_issued_1q2w3e4r";

const secrets = new Map<string, string>();
const outputs: string[] = [];
let ssm: FakeSsm;
let as: JwksServer;
const services: ServiceHandle[] = [];

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
  await response.text();
  return response.status;
}

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "secrets", version: "1" } },
};

async function keyFromBinary(principal: string): Promise<{ key: string; record: unknown }> {
  const proc = Bun.spawnSync([
    await binaryPath("product-service"),
    "keys",
    "create",
    "--principal",
    principal,
    "--scopes",
    "products:read,orders:read,orders:write",
  ]);
  const lines = proc.stdout.toString().split("\n");
  return { key: lines[1] ?? "", record: JSON.parse(lines[4] ?? "{}") };
}

beforeAll(async () => {
  ssm = await startFakeSsm();
  const alice = await keyFromBinary("alice");
  secrets.set("API key from SSM", alice.key);
  secrets.set("API key from API_KEYS", LOCAL_KEY);
  secrets.set("wrong API key", WRONG_KEY);
  secrets.set("internal token", INTERNAL_TOKEN);
  secrets.set("wrong internal token", WRONG_INTERNAL);
  secrets.set("database password", DB_PASSWORD);
  ssm.put("/retail-mcp/test/api-keys", JSON.stringify([alice.record]));
  ssm.put("/retail-mcp/test/internal-token", INTERNAL_TOKEN);
  const common = {
    ...ssm.env(),
    LOG_LEVEL: "debug",
    INTERNAL_TOKEN_SSM_PARAMETER: "/retail-mcp/test/internal-token",
  };

  const product = await startService("product-service", {
    env: { ...common, AUTH_MODE: "api-key", API_KEYS_SSM_PARAMETER: "/retail-mcp/test/api-keys" },
  });
  services.push(product);

  // MCP traffic with valid and invalid keys, in headers of every shape.
  const connection = await connectClient(product.mcpUrl, { authorization: `Bearer ${alice.key}` });
  await callTool(connection.client, "search_products", { query: "headphones" });
  await connection.close();
  for (const authorization of [
    `Bearer ${WRONG_KEY}`,
    WRONG_KEY,
    `Basic ${btoa(`alice:${WRONG_KEY}`)}`,
    `bearer  ${alice.key}x`,
  ]) {
    expect(await post(product.mcpUrl, INIT, { authorization })).toBe(401);
  }
  // Internal API with the right token, a wrong one, and the token in the other header.
  const internal = `${product.baseUrl}/internal/reservations`;
  const reservation = { order_id: "secrets-test-1", items: [{ product_id: "p001", quantity: 1 }] };
  expect(await post(internal, reservation, { authorization: `Bearer ${INTERNAL_TOKEN}` })).toBeLessThan(300);
  expect(await post(internal, reservation, { authorization: `Bearer ${WRONG_INTERNAL}` })).toBe(401);
  expect(await post(internal, reservation, { "x-internal-token": WRONG_INTERNAL })).toBe(401);

  const order = await startService("order-service", {
    env: {
      ...common,
      AUTH_MODE: "api-key",
      API_KEYS: `bob=${LOCAL_KEY}`,
      PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}`,
    },
  });
  services.push(order);
  const orders = await connectClient(order.mcpUrl, { authorization: `Bearer ${LOCAL_KEY}` });
  // Internal call to product-service with the token order-service read from SSM.
  const created = await callTool<{ status: string }>(orders.client, "create_order", {
    items: [{ product_id: "p003", quantity: 1 }],
  });
  expect(created.status).toBe("confirmed");
  await orders.close();
  expect(await post(order.mcpUrl, INIT, { authorization: `Bearer ${WRONG_KEY}` })).toBe(401);

  // OAuth: valid, expired, wrongly addressed and tampered tokens.
  // The tokens' audience names the service's port, so the port is chosen before the start.
  const oauth = await retryOnBindFailure(async (port) => {
    const jwks = await startJwksServer(`http://127.0.0.1:${port}/mcp`);
    try {
      const started = await startService("product-service", {
        port,
        env: { LOG_LEVEL: "debug", AUTH_MODE: "oauth", OAUTH_ISSUER: jwks.issuer },
      });
      as = jwks;
      return started;
    } catch (error) {
      await jwks.stop();
      throw error;
    }
  });
  services.push(oauth);
  const tokens = {
    "valid JWT": await as.sign({ sub: "carol", scope: "products:read" }),
    "expired JWT": await as.sign({ sub: "carol", scope: "products:read", expiresIn: -300 }),
    "JWT for another audience": await as.sign({ sub: "carol", aud: "https://elsewhere.example/mcp" }),
    "JWT from an unknown key": await as.sign({ sub: "carol", stranger: true }),
  };
  for (const [name, token] of Object.entries(tokens)) {
    secrets.set(name, token);
    await post(oauth.mcpUrl, INIT, { authorization: `Bearer ${token}` });
  }
  const viaSdk = await connectClient(oauth.mcpUrl, { authorization: `Bearer ${tokens["valid JWT"]}` });
  await callTool(viaSdk.client, "get_product", { product_id: "p002" });
  await viaSdk.close();

  // Database URLs with a password, against a port where nothing listens: start-up fails and logs why.
  const closed = await unusedPort();
  const badDatabases: Record<string, string>[] = [
    { DATABASE_URL: `postgres://retail:${DB_PASSWORD}@127.0.0.1:${closed}/retail` },
    {
      DB_SECRET: JSON.stringify({
        host: "127.0.0.1",
        port: closed,
        dbname: "retail",
        username: "retail",
        password: DB_PASSWORD,
      }),
    },
  ];
  for (const env of badDatabases) {
    const { code, stdout, stderr } = await runToExit("product-service", { LOG_LEVEL: "debug", ...env });
    expect(code).not.toBe(0);
    outputs.push(stdout + stderr);
  }
}, 180_000);

afterAll(async () => {
  for (const service of services) await service.stop().catch(() => undefined);
  await ssm?.stop();
  await as?.stop();
});

test("the logs record the auth traffic (so the search below looks at something real)", () => {
  const lines = services.flatMap((service) => service.logLines());
  expect(lines.filter((line) => line.msg === "request" && line.status === 401).length).toBeGreaterThanOrEqual(
    8,
  );
  expect(lines.some((line) => line.msg === "request" && line.principal === "alice")).toBe(true);
  expect(lines.some((line) => line.msg === "request" && line.principal === "carol")).toBe(true);
  expect(
    lines.some(
      (line) => typeof line.authFailure === "string" && String(line.authFailure).includes("expired"),
    ),
  ).toBe(true);
  expect(outputs.join("\n")).toContain("could not start");
});

test("no secret appears anywhere in the output, whole or in part", () => {
  const everything = [...services.map((service) => service.output()), ...outputs].join("\n");
  expect(everything.length).toBeGreaterThan(5000);
  const leaks: string[] = [];
  for (const [name, secret] of secrets) {
    // The whole value and, for a JWT, its signature alone (with it, the token can be rebuilt from claims).
    const signature = secret.split(".")[2];
    const parts = signature ? [secret, signature] : [secret];
    for (const part of parts) if (everything.includes(part)) leaks.push(name);
  }
  expect(leaks).toEqual([]);
});
