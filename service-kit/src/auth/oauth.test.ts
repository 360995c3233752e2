import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT } from "jose";
import { type JwksServer, startJwksServer, tamper } from "../../../test/support/jwks-server.ts";
import { discoverJwksUrl, discoveryUrls, insecureUrlProblem, OAuthVerifier, scopesOf } from "./oauth.ts";

const AUDIENCE = "https://mcp.example.com/order/mcp";
let as: JwksServer;
let verifier: OAuthVerifier;

beforeAll(async () => {
  as = await startJwksServer(AUDIENCE);
  verifier = new OAuthVerifier({
    issuer: as.issuer,
    audience: AUDIENCE,
    jwksUrl: await discoverJwksUrl(as.issuer),
  });
});
afterAll(() => as.stop());

const rejected = async (token: string): Promise<string> => {
  const verdict = await verifier.verify(token);
  if (verdict.ok) throw new Error("token was accepted but should not be");
  return verdict.description;
};

describe("OAuthVerifier", () => {
  test("accepts RS256 and ES256 tokens and reads scope or scp", async () => {
    expect(await verifier.verify(await as.sign({ sub: "alice", scope: "orders:read orders:write" }))).toEqual(
      {
        ok: true,
        principal: { id: "alice", scopes: ["orders:read", "orders:write"], via: "oauth" },
      },
    );
    const ec = await verifier.verify(await as.sign({ sub: "bob", alg: "ES256", scp: ["products:read"] }));
    expect(ec).toEqual({ ok: true, principal: { id: "bob", scopes: ["products:read"], via: "oauth" } });
    const multi = await verifier.verify(await as.sign({ aud: ["other", AUDIENCE] }));
    expect(multi.ok).toBe(true);
  });

  test("refuses expired, not-yet-valid, wrong audience and wrong issuer tokens", async () => {
    expect(await rejected(await as.sign({ expiresIn: -60 }))).toContain("expired");
    expect(await rejected(await as.sign({ notBefore: 600 }))).toContain("not valid yet");
    expect(await rejected(await as.sign({ aud: "https://mcp.example.com/product/mcp" }))).toContain(
      "another resource",
    );
    expect(await rejected(await as.sign({ iss: "https://evil.example.com" }))).toContain("untrusted issuer");
  });

  test("refuses unknown keys, alg none, tampered payloads and HS256", async () => {
    expect(await rejected(await as.sign({ stranger: true }))).toContain("unknown key");
    expect(await rejected(await as.sign({ stranger: true, kid: "rsa-1" }))).toContain("signature is invalid");
    expect(await rejected(as.unsigned({ scope: "orders:write" }))).toContain("not accepted");
    const signed = await as.sign({ sub: "alice", scope: "orders:read" });
    expect(
      await rejected(
        tamper(signed, (p) => {
          p.sub = "bob";
        }),
      ),
    ).toContain("signature is invalid");
    const hs = await new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
      .setIssuer(as.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a-shared-secret-that-must-not-work"));
    expect(await rejected(hs)).toContain("not accepted");
    expect(await rejected("not.a.jwt")).toContain("malformed");
  });

  test("a token without sub is refused", async () => {
    expect(await rejected(await as.sign({ sub: null, scope: "orders:read" }))).toContain('"sub" claim');
  });

  test("sub must be a non-empty string: blank or object subjects would share one principal", async () => {
    for (const sub of ["", "   "])
      expect(await rejected(await as.sign({ sub, scope: "orders:read" }))).toContain("non-empty string");
    const objectSub = await as.sign({
      sub: null,
      scope: "orders:read",
      extra: { sub: { id: "alice" } } as never,
    });
    expect(await rejected(objectSub)).toContain('"sub"');
  });

  test("ID tokens are refused; token_use absent or access is accepted", async () => {
    const id = await as.sign({ sub: "alice", scope: "orders:read", extra: { token_use: "id" } });
    expect(await rejected(id)).toContain("not an access token");
    const access = await as.sign({ sub: "alice", scope: "orders:read", extra: { token_use: "access" } });
    expect((await verifier.verify(access)).ok).toBe(true);
  });

  test("with a scope prefix only prefixed scopes count", async () => {
    const prefixed = new OAuthVerifier({
      issuer: as.issuer,
      audience: AUDIENCE,
      jwksUrl: as.jwksUrl,
      scopePrefix: "https://mcp.example.com/order/mcp/",
    });
    const verdict = await prefixed.verify(
      await as.sign({ sub: "alice", scope: "orders:write https://mcp.example.com/order/mcp/orders:read" }),
    );
    expect(verdict).toEqual({ ok: true, principal: { id: "alice", scopes: ["orders:read"], via: "oauth" } });
  });
});

describe("scopes and discovery", () => {
  test("scopesOf strips a Cognito-style prefix and ignores other shapes", () => {
    expect(scopesOf({ scope: "https://api/orders:read openid orders:write" }, "https://api/")).toEqual([
      "orders:read",
    ]);
    expect(scopesOf({ scp: ["a", "b"] })).toEqual(["a", "b"]);
    expect(scopesOf({ scope: 42 })).toEqual([]);
  });

  test("discovery URLs follow RFC 8414 and OpenID Connect for issuers with a path", () => {
    expect(discoveryUrls("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc")).toEqual([
      "https://cognito-idp.eu-west-1.amazonaws.com/.well-known/oauth-authorization-server/eu-west-1_abc",
      "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/openid-configuration",
      "https://cognito-idp.eu-west-1.amazonaws.com/.well-known/openid-configuration/eu-west-1_abc",
    ]);
  });

  test("http issuers and JWKS URLs are accepted on loopback only", () => {
    expect(
      insecureUrlProblem("OAUTH_ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/x"),
    ).toBeUndefined();
    expect(insecureUrlProblem("OAUTH_ISSUER", "http://127.0.0.1:9000")).toBeUndefined();
    expect(insecureUrlProblem("OAUTH_JWKS_URL", "http://[::1]:9000/jwks.json")).toBeUndefined();
    for (const url of ["http://auth.example.com", "http://127.0.0.1.nip.io/jwks.json", "ftp://127.0.0.1/x"])
      expect(insecureUrlProblem("OAUTH_JWKS_URL", url)).toContain("https://");
  });

  test("discovery finds jwks_uri and fails with one line naming what was tried", async () => {
    expect(await discoverJwksUrl(as.issuer)).toBe(as.jwksUrl);
    await expect(discoverJwksUrl(`${as.issuer}/nope`)).rejects.toThrow(/cannot discover the JWKS.*HTTP 404/);
  });
});
