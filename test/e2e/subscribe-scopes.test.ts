/**
 * Watching an order needs the scope reading it needs (issue 19 follow-up), black box on the built
 * order-service with API keys from (fake) SSM: a key with only orders:write is refused
 * `resources/subscribe` (2025-11-25) and a `subscriptions/listen` naming an order:// URI (2026-07-28)
 * with 403 insufficient_scope naming orders:read; a key with orders:read is accepted in both eras.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeSsm, startFakeSsm } from "../support/fake-ssm.ts";
import { LegacyListener, ModernListener } from "../support/live-listeners.ts";
import { binaryPath, type ServiceHandle, startService } from "../support/service-process.ts";

const PARAMETER = "/retail-mcp/test/api-keys";
const ORDER_URI = "order://ord-not-yet-placed";
const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** Runs the binary's `keys create` and returns the key and its record. */
async function createKey(principal: string, scopes: string): Promise<{ key: string; record: unknown }> {
  const proc = Bun.spawnSync([
    await binaryPath("order-service"),
    "keys",
    "create",
    "--principal",
    principal,
    "--scopes",
    scopes,
  ]);
  expect(proc.exitCode).toBe(0);
  const lines = proc.stdout.toString().split("\n");
  return { key: lines[1] ?? "", record: JSON.parse(lines[4] ?? "") };
}

let ssm: FakeSsm;
let service: ServiceHandle;
let writer: { key: string; record: unknown };
let reader: { key: string; record: unknown };

beforeAll(async () => {
  ssm = await startFakeSsm();
  writer = await createKey("writer", "orders:write");
  reader = await createKey("reader", "orders:read,orders:write");
  ssm.put(PARAMETER, JSON.stringify([writer.record, reader.record]));
  service = await startService("order-service", {
    env: { ...ssm.env(), AUTH_MODE: "api-key", API_KEYS_SSM_PARAMETER: PARAMETER },
  });
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await ssm?.stop();
});

const REFUSAL =
  "Forbidden: subscribing to order://ord-not-yet-placed needs the orders:read scope; your credentials grant: orders:write. Ask for a key or token with orders:read.";

/** Opens a 2025-11-25 session with raw HTTP and returns its id. */
async function openSession(key: string): Promise<string> {
  const response = await post(bearer(key), {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "scopes-e2e", version: "1" },
    },
  });
  expect(response.status).toBe(200);
  return response.headers.get("mcp-session-id") ?? "";
}

function post(headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(service.mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe("watching order:// needs orders:read", () => {
  test("2025-11-25 on the wire: the refusal is the 403 insufficient_scope challenge tools and prompts get", async () => {
    const session = await openSession(writer.key);
    const denied = await post(
      { ...bearer(writer.key), "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
      { jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri: ORDER_URI } },
    );
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(denied.headers.get("www-authenticate")).toContain('scope="orders:read"');
    expect(((await denied.json()) as { error: { message: string } }).error.message).toBe(REFUSAL);
  });

  test("2025-11-25: resources/subscribe without orders:read is 403 insufficient_scope; with it, accepted", async () => {
    const refused = await LegacyListener.connect(service.mcpUrl, bearer(writer.key));
    try {
      const error = await refused.watch([ORDER_URI]).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect((error as { code?: number }).code).toBe(403);
      expect(String(error)).toContain(REFUSAL);
    } finally {
      await refused.close();
    }
    const accepted = await LegacyListener.connect(service.mcpUrl, bearer(reader.key));
    try {
      await accepted.watch([ORDER_URI]);
    } finally {
      await accepted.close();
    }
  });

  test("2026-07-28: subscriptions/listen naming an order:// URI without orders:read is refused; list_changed alone is not", async () => {
    const refused = await ModernListener.connect(service.mcpUrl, bearer(writer.key));
    try {
      const error = await refused.watch([ORDER_URI]).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      // Our 403 insufficient_scope challenge, as the v2 client reads it.
      expect(String(error)).toContain('InsufficientScopeError: Insufficient scope: required "orders:read"');
      // A filter with no order:// URI needs no scope.
      await refused.watch([]);
    } finally {
      await refused.close();
    }
    const accepted = await ModernListener.connect(service.mcpUrl, bearer(reader.key));
    try {
      await accepted.watch([ORDER_URI]);
    } finally {
      await accepted.close();
    }
  });
});
