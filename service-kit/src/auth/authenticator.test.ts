import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeSsm, startFakeSsm } from "../../../test/support/fake-ssm.ts";
import { type JwksServer, startJwksServer } from "../../../test/support/jwks-server.ts";
import { createLogger } from "../log.ts";
import { createApiKey } from "./api-keys.ts";
import { type AuthConfig, resolveAuth } from "./auth-config.ts";
import { type Authenticator, createAuthenticator } from "./authenticator.ts";

const log = createLogger("error", {}, () => undefined);
const base: AuthConfig = { HOST: "127.0.0.1", PORT: 3002, BASE_PATH: "/order", API_KEYS_CACHE_SECONDS: 60 };

async function build(config: AuthConfig): Promise<Authenticator> {
  const resolved = resolveAuth(config, true);
  if (!resolved.ok) throw new Error(resolved.problem);
  return createAuthenticator(resolved.auth, config, { log, serviceName: "order-service" });
}

const request = (authorization?: string): Request =>
  new Request("http://127.0.0.1:3002/order/mcp", {
    method: "POST",
    headers: authorization === undefined ? {} : { authorization },
  });

async function failure(auth: Authenticator, authorization?: string): Promise<[number, string, string]> {
  const outcome = await auth.authenticate(request(authorization));
  if (outcome.ok) throw new Error("authenticated but should not have");
  const body = (await outcome.response.json()) as { error: { message: string } };
  return [
    outcome.response.status,
    outcome.response.headers.get("www-authenticate") ?? "",
    body.error.message,
  ];
}

describe("api-key mode", () => {
  let ssm: FakeSsm;
  beforeAll(async () => {
    ssm = await startFakeSsm();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS0000", AWS_SECRET_ACCESS_KEY: "fake" });
  });
  afterAll(() => ssm.stop());

  test("local keys: a valid key is the principal with every scope", async () => {
    const auth = await build({
      ...base,
      AUTH_MODE: "api-key",
      API_KEYS: "alice=rmcp_alice_dev_key_0123456789,bob=rmcp_bob_dev_key_0123456789ab",
    });
    const outcome = await auth.authenticate(request("bearer rmcp_bob_dev_key_0123456789ab"));
    expect(outcome).toEqual({
      ok: true,
      principal: { id: "bob", scopes: ["products:read", "orders:read", "orders:write"], via: "api-key" },
    });
  });

  test("missing, malformed and wrong keys get 401 with a Bearer challenge", async () => {
    const auth = await build({
      ...base,
      AUTH_MODE: "api-key",
      API_KEYS: "alice=rmcp_alice_dev_key_0123456789",
    });
    expect(await failure(auth)).toEqual([
      401,
      'Bearer realm="retail-mcp"',
      "Authentication required: send Authorization: Bearer <API key>.",
    ]);
    const [status, challenge] = await failure(auth, "Basic YWxpY2U6eA==");
    expect([status, challenge]).toEqual([401, expect.stringContaining('error="invalid_request"')]);
    const wrong = await failure(auth, "Bearer rmcp_mallory");
    expect(wrong[0]).toBe(401);
    expect(wrong[1]).toStartWith(
      'Bearer realm="retail-mcp", error="invalid_token", error_description="The API key is not valid',
    );
    expect(wrong[2]).not.toContain("rmcp_mallory");
  });

  test("SSM keys: scopes and expiry come from the record; zero scopes is 403", async () => {
    const reader = createApiKey("reader", ["products:read"]);
    const old = createApiKey("old", ["orders:read"], "2001-01-01T00:00:00Z");
    const none = createApiKey("none", []);
    ssm.put("/retail/keys", JSON.stringify([reader.record, old.record, none.record]));
    const auth = await build({
      ...base,
      AUTH_MODE: "api-key",
      API_KEYS_SSM_PARAMETER: "/retail/keys",
      SSM_ENDPOINT: ssm.endpoint,
      AWS_REGION: "us-east-1",
    });
    try {
      expect(await auth.authenticate(request(`Bearer ${reader.key}`))).toMatchObject({
        ok: true,
        principal: { id: "reader", scopes: ["products:read"] },
      });
      expect((await failure(auth, `Bearer ${old.key}`))[1]).toContain("has expired");
      const [status, challenge] = await failure(auth, `Bearer ${none.key}`);
      expect(status).toBe(403);
      expect(challenge).toContain('error="insufficient_scope"');
    } finally {
      auth.stop();
    }
  });
});

describe("oauth mode", () => {
  let as: JwksServer;
  let auth: Authenticator;
  const resource = "http://127.0.0.1:3002/order/mcp";
  beforeAll(async () => {
    as = await startJwksServer(resource);
    auth = await build({ ...base, AUTH_MODE: "oauth", OAUTH_ISSUER: as.issuer });
  });
  afterAll(() => as.stop());

  test("a valid token is its subject with its scopes", async () => {
    const token = await as.sign({ sub: "alice", scope: "orders:read" });
    expect(await auth.authenticate(request(`Bearer ${token}`))).toEqual({
      ok: true,
      principal: { id: "alice", scopes: ["orders:read"], via: "oauth" },
    });
  });

  test("401s point at the protected resource metadata", async () => {
    const metadataUrl = "http://127.0.0.1:3002/order/.well-known/oauth-protected-resource";
    expect((await failure(auth))[1]).toBe(`Bearer resource_metadata="${metadataUrl}"`);
    const [status, challenge] = await failure(auth, `Bearer ${await as.sign({ expiresIn: -120 })}`);
    expect(status).toBe(401);
    expect(challenge).toBe(
      `Bearer resource_metadata="${metadataUrl}", error="invalid_token", error_description="The access token expired; obtain a new one."`,
    );
  });

  test("forbidden() is a 403 insufficient_scope challenge naming the scope", async () => {
    const response = auth.forbidden("orders:write", "create_order needs the orders:write scope.");
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(response.headers.get("www-authenticate")).toContain('scope="orders:write"');
  });

  test("metadata lists the resource, issuer, scopes and header bearer method at the three paths", () => {
    expect(auth.metadata).toEqual({
      paths: [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/order/mcp",
        "/order/.well-known/oauth-protected-resource",
      ],
      document: {
        resource,
        authorization_servers: [as.issuer],
        scopes_supported: ["products:read", "orders:read", "orders:write"],
        bearer_methods_supported: ["header"],
        resource_name: "order-service",
      },
    });
  });
});
