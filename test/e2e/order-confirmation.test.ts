/**
 * create_order above ORDER_CONFIRM_ABOVE asks the user before any stock is reserved, in both protocol
 * eras: an input_required round for a 2026-07-28 client, elicitation/create on a 2025 session, and an
 * isError telling the model to ask the user when the client can be asked neither way. The round's
 * state is signed with MCP_STATE_KEY: another instance with the same key accepts it, a forged or
 * foreign one is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type FakeSsm, startFakeSsm } from "../support/fake-ssm.ts";
import { callTool, callToolExpectingError, connectClient } from "../support/mcp-client.ts";
import { startProxy } from "../support/proxy.ts";
import { runToExit, type ServiceHandle, startService, tempDir } from "../support/service-process.ts";

const TOKEN = "confirm-e2e-internal-token-0123456789";
const KEY = "confirm-e2e-state-key-0123456789abcdef";
/** p002 costs 149.99: one unit is below the limit, two are above it. */
const LIMIT = "200";
const BIG = { items: [{ product_id: "p002", quantity: 2 }] };

let product: ServiceHandle;
let order: ServiceHandle;
let twin: ServiceHandle;
let stranger: ServiceHandle;
let ssm: FakeSsm;

beforeAll(async () => {
  product = await startService("product-service", { env: { INTERNAL_TOKEN: TOKEN } });
  const databaseUrl = `sqlite://${join(tempDir(), "order-service.sqlite")}`;
  const env = (key: string): Record<string, string> => ({
    PRODUCT_SERVICE_URL: `http://127.0.0.1:${product.port}`,
    INTERNAL_TOKEN: TOKEN,
    ORDER_CONFIRM_ABOVE: LIMIT,
    MCP_STATE_KEY: key,
  });
  order = await startService("order-service", { databaseUrl, env: env(KEY) });
  // The twin reads the same key from SSM, as deployed tasks do (MCP_STATE_KEY_SSM_PARAMETER).
  ssm = await startFakeSsm();
  ssm.put("/retail-mcp/test/mcp-state-key", KEY);
  const { MCP_STATE_KEY: _fromEnv, ...twinEnv } = env(KEY);
  twin = await startService("order-service", {
    databaseUrl,
    env: { ...twinEnv, ...ssm.env(), MCP_STATE_KEY_SSM_PARAMETER: "/retail-mcp/test/mcp-state-key" },
  });
  stranger = await startService("order-service", { databaseUrl, env: env(`${KEY}-another-one`) });
}, 120_000);

afterAll(async () => {
  await Promise.all([order?.stop(), twin?.stop(), stranger?.stop()]);
  await product?.stop();
  await ssm?.stop();
});

async function stockOfP002(): Promise<number> {
  const catalogue = await connectClient(product.mcpUrl);
  try {
    const report = await callTool<{ items: { stock: number }[] }>(catalogue.client, "check_inventory", {
      product_ids: ["p002"],
    });
    return report.items[0]?.stock ?? Number.NaN;
  } finally {
    await catalogue.close();
  }
}

/** A v2 client pinned to 2026-07-28; `answer` (if given) is what its user says to elicitation. */
async function modernClient(answer?: boolean, asked: string[] = []): Promise<ModernClient> {
  const client = new ModernClient(
    { name: "confirm-e2e", version: "1" },
    {
      versionNegotiation: { mode: { pin: "2026-07-28" } },
      ...(answer === undefined ? {} : { capabilities: { elicitation: {} } }),
    },
  );
  if (answer !== undefined) {
    client.setRequestHandler("elicitation/create", async (request) => {
      asked.push(String(request.params.message));
      return answer ? { action: "accept", content: { confirm: true } } : { action: "decline" };
    });
  }
  await client.connect(new ModernTransport(new URL(order.mcpUrl)));
  return client;
}

const text = (result: { content?: unknown }): string =>
  (result.content as { text?: string }[]).map((part) => part.text ?? "").join(" ");

describe("2026-07-28", () => {
  test("above the limit the user is asked first; confirmed, the order is placed", async () => {
    const asked: string[] = [];
    const client = await modernClient(true, asked);
    try {
      const before = await stockOfP002();
      const result = await client.callTool({ name: "create_order", arguments: BIG });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: "confirmed", total: 299.98 });
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain("Place this order for 299.98 (2 × p002)?");
      expect(await stockOfP002()).toBe(before - 2);
      // Below the limit nobody is asked.
      const small = await client.callTool({
        name: "create_order",
        arguments: { items: [{ product_id: "p002", quantity: 1 }] },
      });
      expect(small.structuredContent).toMatchObject({ status: "confirmed" });
      expect(asked).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  test("declined, nothing is ordered or reserved", async () => {
    const client = await modernClient(false);
    try {
      const before = await stockOfP002();
      const result = await client.callTool({ name: "create_order", arguments: BIG });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain(
        "The user did not confirm the order of 2 × p002 for 299.98, so nothing was ordered.",
      );
      expect(await stockOfP002()).toBe(before);
    } finally {
      await client.close();
    }
  });

  test("a client that cannot elicit gets an isError that says to ask the user and send confirm: true", async () => {
    const client = await modernClient();
    try {
      const before = await stockOfP002();
      const refused = await client.callTool({ name: "create_order", arguments: BIG });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain("call create_order again with the same arguments and confirm: true");
      expect(await stockOfP002()).toBe(before);
      const placed = await client.callTool({ name: "create_order", arguments: { ...BIG, confirm: true } });
      expect(placed.structuredContent).toMatchObject({ status: "confirmed" });
    } finally {
      await client.close();
    }
  });
});

describe("signed request state (raw 2026-07-28 requests)", () => {
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
  };
  interface Answer {
    result: {
      resultType?: string;
      inputRequests: { confirm: { method: string } };
      requestState?: string;
      structuredContent?: unknown;
    };
    error?: { code: number };
  }
  async function call(url: string, extra: Record<string, unknown> = {}): Promise<Answer> {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "create_order",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "create_order", arguments: BIG, ...extra, _meta: meta },
      }),
    });
    return (await response.json()) as Answer;
  }
  const yes = { confirm: { action: "accept", content: { confirm: true } } };

  test("a round started on one instance is finished on another with the same key (there read from SSM); a foreign key, a forged state are refused", async () => {
    const first = await call(order.mcpUrl);
    expect(first.result.resultType).toBe("input_required");
    expect(first.result.inputRequests.confirm.method).toBe("elicitation/create");
    const state = first.result.requestState as string;
    expect(state).toStartWith("v1.");

    const foreign = await call(stranger.mcpUrl, { inputResponses: yes, requestState: state });
    expect(foreign.error?.code).toBe(-32602);
    const [version, body, mac] = state.split(".");
    const payload = JSON.parse(Buffer.from(body as string, "base64url").toString()) as {
      p: { subject: string };
    };
    payload.p.subject = payload.p.subject.replace(/\|\d+$/, "|1");
    const forged = `${version}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${mac}`;
    const tampered = await call(twin.mcpUrl, { inputResponses: yes, requestState: forged });
    expect(tampered.error?.code).toBe(-32602);

    const before = await stockOfP002();
    const done = await call(twin.mcpUrl, { inputResponses: yes, requestState: state });
    expect(done.result.structuredContent).toMatchObject({ status: "confirmed", total: 299.98 });
    expect(await stockOfP002()).toBe(before - 2);
  });
});

describe("2025-11-25 sessions", () => {
  test("a client that declared elicitation is asked with elicitation/create", async () => {
    const client = new Client(
      { name: "confirm-e2e-v1", version: "1" },
      { capabilities: { elicitation: {} } },
    );
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(order.mcpUrl)));
    try {
      const placed = await callTool<{ status: string }>(client, "create_order", BIG);
      expect(placed.status).toBe("confirmed");
      expect(asked).toEqual([expect.stringContaining("Place this order for 299.98")]);
    } finally {
      await client.close();
    }
  });

  test("a session request answered in JSON cannot carry elicitation/create: isError at once, no wait", async () => {
    const post = (body: unknown, accept: string, session?: string): Promise<Response> =>
      fetch(order.mcpUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept,
          ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : {}),
        },
        body: JSON.stringify(body),
      });
    const init = await post(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: { elicitation: {} },
          clientInfo: { name: "json-only", version: "1" },
        },
      },
      "application/json",
    );
    const session = init.headers.get("mcp-session-id") as string;
    await init.text();
    await (
      await post({ jsonrpc: "2.0", method: "notifications/initialized" }, "application/json", session)
    ).text();
    const call = {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "create_order", arguments: BIG },
    };
    const answer = await post(call, "application/json", session);
    expect(answer.headers.get("content-type")).toStartWith("application/json");
    const body = (await answer.json()) as { result: { isError?: boolean; content: { text: string }[] } };
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toContain("this client cannot ask the user itself");
  }, 10_000);

  test("behind a round-robin proxy the user's answer may reach the other instance: it is relayed", async () => {
    const proxy = await startProxy({
      routes: [{ prefix: "/", upstreams: [order, twin].map((instance) => `127.0.0.1:${instance.port}`) }],
    });
    const client = new Client(
      { name: "confirm-e2e-proxy", version: "1" },
      { capabilities: { elicitation: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: { confirm: true },
    }));
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`)));
      for (let round = 0; round < 3; round++) {
        const placed = await callTool<{ status: string }>(client, "create_order", BIG);
        expect(placed.status).toBe("confirmed");
      }
      const posts = proxy.accessLog().filter((entry) => entry.method === "POST");
      // A tools/call (200, SSE) followed by the client's answer (202) on the other instance.
      const crossed = posts.filter(
        (entry, index) =>
          index > 0 &&
          entry.status === 202 &&
          posts[index - 1]?.status === 200 &&
          posts[index - 1]?.upstream !== entry.upstream,
      );
      expect(crossed.length).toBeGreaterThan(0);
    } finally {
      await client.close();
      await proxy.stop();
    }
  }, 60_000);

  test("a client without elicitation gets the isError, then confirm: true places the order", async () => {
    const connection = await connectClient(order.mcpUrl);
    try {
      const before = await stockOfP002();
      const error = await callToolExpectingError(connection.client, "create_order", BIG);
      expect(error).toContain("above the 200.00 that needs the user's confirmation");
      expect(await stockOfP002()).toBe(before);
      const placed = await callTool<{ status: string }>(connection.client, "create_order", {
        ...BIG,
        confirm: true,
      });
      expect(placed.status).toBe("confirmed");
    } finally {
      await connection.close();
    }
  });
});

test("a short MCP_STATE_KEY or a negative ORDER_CONFIRM_ABOVE is a config error (exit 2)", async () => {
  const base = { DATABASE_URL: "sqlite://:memory:" };
  const short = await runToExit("order-service", { ...base, MCP_STATE_KEY: "too-short" });
  expect(short.code).toBe(2);
  expect(short.stderr).toContain("MCP_STATE_KEY");
  expect(short.stderr).toContain("at least 32 bytes");
  expect(short.stderr).not.toContain("too-short");
  const negative = await runToExit("order-service", { ...base, ORDER_CONFIRM_ABOVE: "-1" });
  expect(negative.code).toBe(2);
  expect(negative.stderr).toContain("ORDER_CONFIRM_ABOVE");
});

test("with the catalogue down an unconfirmed order cannot be priced: retryable error, nothing stored", async () => {
  const connection = await connectClient(order.mcpUrl);
  try {
    const count = async (): Promise<number> =>
      (await callTool<{ orders: unknown[] }>(connection.client, "list_orders", { limit: 50 })).orders.length;
    const before = await count();
    expect(await product.stop()).toBe(0);
    const error = await callToolExpectingError(connection.client, "create_order", {
      items: [{ product_id: "p002", quantity: 1 }],
    });
    expect(error).toContain("could not be reached to price this order, so nothing was ordered");
    expect(error).toContain("retry the same call in a few seconds");
    expect(await count()).toBe(before);
  } finally {
    await connection.close();
  }
}, 30_000);
