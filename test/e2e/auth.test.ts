/**
 * Authentication against the compiled product-service: API keys from a wire-protocol SSM fake
 * (rotation, SSM down at start and during a run), OAuth access tokens from a local JWKS server,
 * scopes, rate limiting, the bind rule for AUTH_MODE, and the SDK client with an Authorization header.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeSsm, startFakeSsm } from "../support/fake-ssm.ts";
import { type JwksServer, startJwksServer, tamper } from "../support/jwks-server.ts";
import { callTool, connectClient } from "../support/mcp-client.ts";
import { connectModernClient } from "../support/mcp-v2-client.ts";
import {
  binaryPath,
  type ExitResult,
  retryOnBindFailure,
  runToExit as runProductToExit,
  type ServiceHandle,
  startService,
} from "../support/service-process.ts";

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "auth-e2e", version: "1" } },
};

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function toolNames(url: string, headers: Record<string, string>): Promise<string[]> {
  const response = await post(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, headers);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { result: { tools: { name: string }[] } };
  return body.result.tools.map((tool) => tool.name).sort();
}

/** Runs the binary's `keys create` and returns the key and its record. */
async function createKey(principal: string, scopes: string): Promise<{ key: string; record: unknown }> {
  const proc = Bun.spawnSync([
    await binaryPath("product-service"),
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

function runToExit(env: Record<string, string>): Promise<ExitResult> {
  return runProductToExit("product-service", env, 15_000);
}

describe("start-up rules", () => {
  // The first test may compile the binary.
  beforeAll(() => binaryPath("product-service"), 120_000);

  test("a non-loopback bind without AUTH_MODE refuses to start: exit 2, one line", async () => {
    const { code, stderr } = await runToExit({
      HOST: "0.0.0.0",
      DATABASE_URL: "sqlite://:memory:",
      INTERNAL_TOKEN: "an-internal-token-for-this-test",
    });
    expect(code).toBe(2);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("AUTH_MODE is not set and HOST 0.0.0.0 is not loopback");
  });

  test("AUTH_MODE=api-key without a key source is a config error (exit 2)", async () => {
    const { code, stderr } = await runToExit({ AUTH_MODE: "api-key", DATABASE_URL: "sqlite://:memory:" });
    expect(code).toBe(2);
    expect(stderr).toContain("AUTH_MODE=api-key needs API_KEYS_SSM_PARAMETER");
  });
});

describe("api-key mode with keys in SSM", () => {
  let ssm: FakeSsm;
  let service: ServiceHandle;
  let alice: { key: string; record: unknown };
  let reader: { key: string; record: unknown };
  const PARAMETER = "/retail-mcp/staging/api-keys";

  beforeAll(async () => {
    ssm = await startFakeSsm();
    alice = await createKey("alice", "products:read,orders:read,orders:write");
    reader = await createKey("orders-reader", "orders:read");
    ssm.put(PARAMETER, JSON.stringify([alice.record, reader.record]));
    service = await startService("product-service", {
      env: {
        ...ssm.env(),
        AUTH_MODE: "api-key",
        API_KEYS_SSM_PARAMETER: PARAMETER,
        API_KEYS_CACHE_SECONDS: "1",
      },
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await ssm?.stop();
  });

  test("no key, a malformed header and a wrong key get 401 with a Bearer challenge", async () => {
    const none = await post(service.mcpUrl, INIT);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="retail-mcp"');
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain(
      "Authorization: Bearer",
    );
    const malformed = await post(service.mcpUrl, INIT, { authorization: alice.key });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get("www-authenticate")).toContain('error="invalid_request"');
    const wrong = await post(service.mcpUrl, INIT, bearer(`${alice.key.slice(0, -2)}xx`));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("the SDK client connects with an Authorization header and calls a tool", async () => {
    const connection = await connectClient(service.mcpUrl, bearer(alice.key));
    try {
      const found = await callTool<{ total: number }>(connection.client, "search_products", {
        query: "headphones",
      });
      expect(found.total).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  });

  test("tools/list shows only what the key's scopes allow; a call outside them is 403 insufficient_scope", async () => {
    expect(await toolNames(service.mcpUrl, bearer(alice.key))).toEqual([
      "check_inventory",
      "get_product",
      "list_categories",
      "search_products",
    ]);
    expect(await toolNames(service.mcpUrl, bearer(reader.key))).toEqual([]);
    const call = {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "get_product", arguments: { product_id: "p002" } },
    };
    const denied = await post(service.mcpUrl, call, bearer(reader.key));
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(denied.headers.get("www-authenticate")).toContain('scope="products:read"');
    expect(((await denied.json()) as { error: { message: string } }).error.message).toBe(
      "Forbidden: get_product needs the products:read scope; your credentials grant: orders:read. Ask for a key or token with products:read.",
    );
  });

  test("2026-07-28 requests get the same scopes: hidden tools, 403 for a call, resource reads refused", async () => {
    const modern = await connectModernClient(service.mcpUrl, "pin-2026-07-28", bearer(reader.key));
    try {
      expect(modern.getNegotiatedProtocolVersion()).toBe("2026-07-28");
      expect((await modern.listTools()).tools).toEqual([]);
      const denied = await modern
        .callTool({ name: "get_product", arguments: { product_id: "p002" } })
        .catch((error) => error);
      // Our 403 insufficient_scope challenge, as the v2 client reads it.
      expect(String(denied)).toContain(
        'InsufficientScopeError: Insufficient scope: required "products:read"',
      );
      const read = await modern.readResource({ uri: "product://p002" }).catch((error) => error);
      expect(String(read)).toContain("needs the products:read scope");
    } finally {
      await modern.close();
    }
    const allowed = await connectModernClient(service.mcpUrl, "pin-2026-07-28", bearer(alice.key));
    try {
      expect((await allowed.listTools()).tools.map((tool) => tool.name)).toContain("get_product");
      const result = await allowed.callTool({ name: "get_product", arguments: { product_id: "p002" } });
      expect(result.structuredContent).toMatchObject({ id: "p002" });
    } finally {
      await allowed.close();
    }
  });

  test("resources follow the same scopes: reading product:// or catalog:// needs products:read", async () => {
    const read = (uri: string) => ({ jsonrpc: "2.0", id: 4, method: "resources/read", params: { uri } });
    for (const uri of ["product://p002", "catalog://categories"]) {
      const denied = (await (await post(service.mcpUrl, read(uri), bearer(reader.key))).json()) as {
        error?: { message: string };
      };
      expect(denied.error?.message).toContain("products:read");
      const allowed = (await (await post(service.mcpUrl, read(uri), bearer(alice.key))).json()) as {
        result?: { contents: unknown[] };
      };
      expect(allowed.result?.contents.length).toBe(1);
    }
    const list = { jsonrpc: "2.0", id: 5, method: "resources/list" };
    const deniedList = (await (await post(service.mcpUrl, list, bearer(reader.key))).json()) as {
      error?: { message: string };
    };
    expect(deniedList.error?.message).toContain("products:read");
  });

  test("prompts and completions follow the same scopes: find_gift and product id completion need products:read", async () => {
    const rpc = (method: string, params: unknown) => ({ jsonrpc: "2.0", id: 6, method, params });
    const requests = [
      rpc("prompts/get", { name: "find_gift", arguments: { budget: "100", interests: "coffee" } }),
      rpc("completion/complete", {
        ref: { type: "ref/resource", uri: "product://{product_id}" },
        argument: { name: "product_id", value: "p" },
      }),
      rpc("completion/complete", {
        ref: { type: "ref/prompt", name: "find_gift" },
        argument: { name: "interests", value: "" },
      }),
    ];
    for (const request of requests) {
      const denied = await post(service.mcpUrl, request, bearer(reader.key));
      expect(denied.status).toBe(403);
      expect(denied.headers.get("www-authenticate")).toContain('scope="products:read"');
      const text = await denied.text();
      expect(text).toContain("needs the products:read scope");
      expect(text).not.toContain("p001");
      const allowed = await post(service.mcpUrl, request, bearer(alice.key));
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as { result?: unknown }).result).toBeDefined();
    }
    const promptNames = async (key: string): Promise<string[]> => {
      const response = await post(service.mcpUrl, rpc("prompts/list", {}), bearer(key));
      return ((await response.json()) as { result: { prompts: { name: string }[] } }).result.prompts.map(
        (prompt) => prompt.name,
      );
    };
    expect(await promptNames(reader.key)).toEqual([]);
    expect(await promptNames(alice.key)).toEqual(["find_gift"]);
  });

  test("rotation without restart: new key works beside the old, old one stops within the TTL, even mid-session", async () => {
    const next = await createKey("alice", "products:read");
    const connection = await connectClient(service.mcpUrl, bearer(alice.key));
    try {
      ssm.put(PARAMETER, JSON.stringify([alice.record, reader.record, next.record]));
      await Bun.sleep(1500);
      expect((await post(service.mcpUrl, INIT, bearer(next.key))).status).toBe(200);
      expect((await post(service.mcpUrl, INIT, bearer(alice.key))).status).toBe(200);
      ssm.put(PARAMETER, JSON.stringify([reader.record, next.record]));
      await Bun.sleep(1500);
      expect((await post(service.mcpUrl, INIT, bearer(alice.key))).status).toBe(401);
      expect((await post(service.mcpUrl, INIT, bearer(next.key))).status).toBe(200);
      // The session opened with the old key is refused too: credentials are checked on every request.
      await expect(connection.client.listTools()).rejects.toThrow(/401|Unauthorized/);
    } finally {
      await connection.close().catch(() => undefined);
      ssm.put(PARAMETER, JSON.stringify([alice.record, reader.record]));
      await Bun.sleep(1500);
    }
  }, 20_000);

  test("SSM down during a run: keys keep working and a warning is logged", async () => {
    await ssm.down("503");
    try {
      await Bun.sleep(2500);
      expect((await post(service.mcpUrl, INIT, bearer(alice.key))).status).toBe(200);
      const warnings = service
        .logLines()
        .filter((line) => line.msg === "API key refresh failed; keeping the last good set");
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]).toMatchObject({ level: "warn", parameter: PARAMETER, keys: 2 });
    } finally {
      ssm.up();
    }
  }, 20_000);
});

describe("api-key mode: SSM unavailable at start fails closed", () => {
  test.each([["503"], ["refuse"], ["missing"]] as const)(
    "SSM %s → exit 1 with one line",
    async (how) => {
      const ssm = await startFakeSsm();
      try {
        if (how !== "missing") await ssm.down(how);
        const { code, stdout, stderr } = await runToExit({
          ...ssm.env(),
          AUTH_MODE: "api-key",
          API_KEYS_SSM_PARAMETER: "/retail-mcp/keys",
          DATABASE_URL: "sqlite://:memory:",
        });
        expect(code).toBe(1);
        const errors = `${stdout}${stderr}`
          .trim()
          .split("\n")
          .filter((line) => line.includes('"level":"error"'));
        expect(errors).toHaveLength(1);
        expect(JSON.parse(errors[0] ?? "{}")).toMatchObject({
          msg: "could not start",
          error: expect.stringContaining("cannot read SSM parameter /retail-mcp/keys"),
        });
      } finally {
        await ssm.stop();
      }
    },
    20_000,
  );
});

describe("oauth mode (resource server)", () => {
  let as: JwksServer;
  let service: ServiceHandle;
  let resource: string;
  let metadataUrl: string;

  beforeAll(async () => {
    // The resource URL (the tokens' audience) names the port, so the port is chosen before the start.
    service = await retryOnBindFailure(async (port) => {
      resource = `http://127.0.0.1:${port}/product/mcp`;
      metadataUrl = `http://127.0.0.1:${port}/product/.well-known/oauth-protected-resource`;
      const jwks = await startJwksServer(resource);
      try {
        const started = await startService("product-service", {
          port,
          env: { AUTH_MODE: "oauth", OAUTH_ISSUER: jwks.issuer, BASE_PATH: "/product" },
        });
        as = jwks;
        return started;
      } catch (error) {
        await jwks.stop();
        throw error;
      }
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await as?.stop();
  });

  test("protected resource metadata is served at the root, path-suffixed and BASE_PATH URLs", async () => {
    const origin = `http://127.0.0.1:${service.port}`;
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/product/mcp",
      "/product/.well-known/oauth-protected-resource",
    ]) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource,
        authorization_servers: [as.issuer],
        scopes_supported: ["products:read", "orders:read", "orders:write"],
        bearer_methods_supported: ["header"],
        resource_name: "product-service",
      });
    }
  });

  test("no token: 401 pointing at the metadata", async () => {
    const response = await post(service.mcpUrl, INIT);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(`Bearer resource_metadata="${metadataUrl}"`);
  });

  test("bad tokens are 401 invalid_token with a description", async () => {
    const cases: [string, string, string][] = [
      ["expired", await as.sign({ scope: "products:read", expiresIn: -120 }), "expired"],
      [
        "wrong audience",
        await as.sign({ scope: "products:read", aud: "http://127.0.0.1:1/order/mcp" }),
        "another resource",
      ],
      [
        "wrong issuer",
        await as.sign({ scope: "products:read", iss: "https://evil.example.com" }),
        "untrusted issuer",
      ],
      ["unknown key", await as.sign({ scope: "products:read", stranger: true }), "unknown key"],
      ["alg none", as.unsigned({ scope: "products:read" }), "algorithm is not accepted"],
      [
        "tampered",
        tamper(await as.sign({ sub: "alice", scope: "products:read" }), (payload) => {
          payload.sub = "mallory";
        }),
        "signature is invalid",
      ],
    ];
    for (const [name, token, description] of cases) {
      const response = await post(service.mcpUrl, INIT, bearer(token));
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      const challenge = response.headers.get("www-authenticate") ?? "";
      expect(challenge).toStartWith(`Bearer resource_metadata="${metadataUrl}", error="invalid_token"`);
      expect(challenge).toContain(description);
    }
  });

  test("the SDK client connects with a valid access token; tools follow the token's scopes", async () => {
    const token = await as.sign({ sub: "alice", scope: "products:read orders:read" });
    const connection = await connectClient(service.mcpUrl, bearer(token));
    try {
      const product = await callTool<{ id: string; name: string }>(connection.client, "get_product", {
        product_id: "p002",
      });
      expect(product.name).toBe("Wireless Headphones");
    } finally {
      await connection.close();
    }
    const ordersOnly = await as.sign({ sub: "bob", scp: ["orders:read"] });
    expect(await toolNames(service.mcpUrl, bearer(ordersOnly))).toEqual([]);
    const denied = await post(
      service.mcpUrl,
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "search_products", arguments: {} } },
      bearer(ordersOnly),
    );
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toContain(`resource_metadata="${metadataUrl}"`);
    expect(denied.headers.get("www-authenticate")).toContain(
      'error="insufficient_scope", error_description=',
    );
    const none = await post(service.mcpUrl, INIT, bearer(await as.sign({ sub: "carol", scope: "openid" })));
    expect(none.status).toBe(403);
  });
});

describe("rate limiting per principal", () => {
  let service: ServiceHandle;
  beforeAll(async () => {
    service = await startService("product-service", {
      env: {
        AUTH_MODE: "api-key",
        API_KEYS: "alice=rmcp_alice_dev_key_0123456789,bob=rmcp_bob_dev_key_0123456789ab",
        RATE_LIMIT_PER_MINUTE: "60",
        RATE_LIMIT_BURST: "3",
      },
    });
  }, 120_000);
  afterAll(() => service?.stop());

  test("over the burst: 429 with Retry-After and a readable JSON-RPC error; other principals unaffected", async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const response = await post(service.mcpUrl, INIT, bearer("rmcp_alice_dev_key_0123456789"));
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.text();
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await limited?.json()) as { jsonrpc: string; error: { code: number; message: string } };
    expect(body.error.message).toMatch(
      /^Rate limit exceeded: at most 60 requests per minute per caller\. Retry after \d+ seconds\.$/,
    );
    expect((await post(service.mcpUrl, INIT, bearer("rmcp_bob_dev_key_0123456789ab"))).status).toBe(200);
    await Bun.sleep(1100);
    expect((await post(service.mcpUrl, INIT, bearer("rmcp_alice_dev_key_0123456789"))).status).toBe(200);
  });
});
