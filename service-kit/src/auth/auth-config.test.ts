import { describe, expect, test } from "bun:test";
import { type AuthConfig, failedAuthLimitSettings, rateLimitSettings, resolveAuth } from "./auth-config.ts";

const base: AuthConfig = { HOST: "0.0.0.0", PORT: 8080, BASE_PATH: "/product", API_KEYS_CACHE_SECONDS: 60 };

describe("resolveAuth", () => {
  test("no AUTH_MODE: none on loopback, refused elsewhere with one line saying what to set", () => {
    expect(resolveAuth({ ...base, HOST: "127.0.0.1" }, true)).toEqual({ ok: true, auth: { mode: "none" } });
    const refused = resolveAuth(base, false);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.problem).toContain("HOST 0.0.0.0 is not loopback");
      expect(refused.problem).toContain("AUTH_MODE=none explicitly");
      expect(refused.problem).not.toContain("\n");
    }
    expect(resolveAuth({ ...base, AUTH_MODE: "none" }, false)).toEqual({ ok: true, auth: { mode: "none" } });
  });

  test("api-key needs a key source; SSM wins over local keys", () => {
    expect(resolveAuth({ ...base, AUTH_MODE: "api-key" }, false)).toMatchObject({ ok: false });
    expect(
      resolveAuth({ ...base, AUTH_MODE: "api-key", API_KEYS: "a=b", API_KEYS_SSM_PARAMETER: "/k" }, false),
    ).toEqual({
      ok: true,
      auth: { mode: "api-key", keys: { kind: "ssm", parameter: "/k" } },
    });
  });

  test("oauth needs an issuer and, off loopback, PUBLIC_URL; the audience is the resource URL", () => {
    expect(resolveAuth({ ...base, AUTH_MODE: "oauth" }, false)).toMatchObject({ ok: false });
    expect(resolveAuth({ ...base, AUTH_MODE: "oauth", OAUTH_ISSUER: "https://as" }, false)).toMatchObject({
      ok: false,
    });
    const config = {
      ...base,
      AUTH_MODE: "oauth" as const,
      OAUTH_ISSUER: "https://as",
      PUBLIC_URL: "https://mcp.example.com",
    };
    expect(resolveAuth(config, false)).toEqual({
      ok: true,
      auth: {
        mode: "oauth",
        issuer: "https://as",
        audience: "https://mcp.example.com/product/mcp",
        resourceUrl: "https://mcp.example.com/product/mcp",
        publicUrl: "https://mcp.example.com",
      },
    });
    const custom = resolveAuth({ ...config, OAUTH_AUDIENCE: "retail-mcp" }, false);
    expect(custom.ok && custom.auth.mode === "oauth" && custom.auth.audience).toBe("retail-mcp");
  });
});

test("rate limits default to 600/min (burst 60), off only without auth on loopback, and 0 disables", () => {
  expect(rateLimitSettings(base, "api-key", true)).toEqual({ perMinute: 600, burst: 60 });
  expect(rateLimitSettings(base, "none", true)).toEqual({ perMinute: 0, burst: 0 });
  // AUTH_MODE=none set explicitly on a public bind: anonymous callers are still limited.
  expect(rateLimitSettings(base, "none", false)).toEqual({ perMinute: 600, burst: 60 });
  expect(
    rateLimitSettings({ ...base, RATE_LIMIT_PER_MINUTE: 30, RATE_LIMIT_BURST: 5 }, "none", true),
  ).toEqual({
    perMinute: 30,
    burst: 5,
  });
  expect(rateLimitSettings({ ...base, RATE_LIMIT_PER_MINUTE: 0 }, "oauth", false)).toEqual({
    perMinute: 0,
    burst: 0,
  });
});

test("failed authentication is limited in every mode, off only with RATE_LIMIT_PER_MINUTE=0", () => {
  expect(failedAuthLimitSettings(base)).toEqual({ perMinute: 60, burst: 20 });
  expect(failedAuthLimitSettings({ ...base, RATE_LIMIT_PER_MINUTE: 30 })).toEqual({
    perMinute: 60,
    burst: 20,
  });
  expect(failedAuthLimitSettings({ ...base, RATE_LIMIT_PER_MINUTE: 0 })).toEqual({ perMinute: 0, burst: 0 });
});

test("oauth refuses http issuers and JWKS URLs off loopback at start", () => {
  const oauth = { ...base, AUTH_MODE: "oauth" as const, PUBLIC_URL: "https://mcp.example.com" };
  const issuer = resolveAuth({ ...oauth, OAUTH_ISSUER: "http://auth.example.com" }, false);
  expect(issuer.ok).toBe(false);
  if (!issuer.ok) expect(issuer.problem).toContain("OAUTH_ISSUER must be an https:// URL");
  const jwks = resolveAuth(
    { ...oauth, OAUTH_ISSUER: "https://auth.example.com", OAUTH_JWKS_URL: "http://auth.example.com/jwks" },
    false,
  );
  expect(jwks.ok).toBe(false);
  if (!jwks.ok) expect(jwks.problem).toContain("OAUTH_JWKS_URL must be an https:// URL");
  expect(resolveAuth({ ...oauth, OAUTH_ISSUER: "http://127.0.0.1:9000" }, false).ok).toBe(true);
});
