/**
 * A local OAuth authorization server, as far as a resource server sees one: RFC 8414 metadata and a
 * JWKS on 127.0.0.1, plus helpers that sign access tokens in the test with keys it publishes (and a
 * stranger key it does not), and a hand-made `alg: none` token.
 *
 * Tokens are signed with WebCrypto directly (RS256 = RSASSA-PKCS1-v1_5/SHA-256, ES256 = ECDSA P-256),
 * because `jose` is a dependency of service-kit only and does not resolve from test/; the server under
 * test verifies them with jose, so both sides are independent implementations of JWS.
 */
type JWTPayload = Record<string, unknown>;
type SigningKey = CryptoKey;

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
const EC = { name: "ECDSA", namedCurve: "P-256" };

async function generateKeyPair(alg: "RS256" | "ES256"): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(alg === "RS256" ? RSA : EC, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
}

async function exportJWK(key: CryptoKey): Promise<Record<string, unknown>> {
  const {
    key_ops: _ops,
    ext: _ext,
    ...jwk
  } = (await crypto.subtle.exportKey("jwk", key)) as Record<string, unknown>;
  return jwk;
}

const b64url = (value: unknown): string =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

async function signJws(
  header: Record<string, unknown>,
  payload: JWTPayload,
  key: SigningKey,
): Promise<string> {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const params = header.alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
  // WebCrypto's ECDSA signature is already the raw r||s form that JWS uses.
  const signature = await crypto.subtle.sign(params, key, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString("base64url")}`;
}

export interface TokenOptions {
  /** null leaves the claim out. */
  sub?: string | null;
  scope?: string;
  scp?: string[];
  aud?: string | string[];
  iss?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  notBefore?: number;
  kid?: string;
  alg?: "RS256" | "ES256";
  /** Sign with a key that is not in the JWKS (kid "stranger"). */
  stranger?: boolean;
  extra?: JWTPayload;
}

export interface JwksServer {
  issuer: string;
  jwksUrl: string;
  /** JWKS fetches served so far. */
  jwksFetches(): number;
  sign(options: TokenOptions): Promise<string>;
  /** An unsigned token (`alg: none`) with otherwise valid claims. */
  unsigned(options: TokenOptions): string;
  stop(): Promise<void>;
}

export async function startJwksServer(audience: string): Promise<JwksServer> {
  const rsa = await generateKeyPair("RS256");
  const ec = await generateKeyPair("ES256");
  const stranger = await generateKeyPair("RS256");
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
  ];
  let fetches = 0;
  let issuer = "";
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/jwks.json") {
        fetches += 1;
        return Response.json({ keys });
      }
      if (
        path === "/.well-known/oauth-authorization-server" ||
        path === "/.well-known/openid-configuration"
      ) {
        return Response.json({
          issuer,
          jwks_uri: `${issuer}/jwks.json`,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ["code"],
          code_challenge_methods_supported: ["S256"],
        });
      }
      return new Response("not found", { status: 404 });
    },
  });
  issuer = `http://127.0.0.1:${server.port}`;

  const claims = (options: TokenOptions): JWTPayload => ({
    scope: options.scope,
    scp: options.scp,
    ...options.extra,
  });
  const now = (): number => Math.floor(Date.now() / 1000);

  return {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    jwksFetches: () => fetches,
    async sign(options) {
      const alg = options.alg ?? "RS256";
      const key: SigningKey = options.stranger
        ? stranger.privateKey
        : alg === "ES256"
          ? ec.privateKey
          : rsa.privateKey;
      const kid = options.kid ?? (options.stranger ? "stranger" : alg === "ES256" ? "ec-1" : "rsa-1");
      const payload: JWTPayload = {
        ...claims(options),
        ...(options.sub === null ? {} : { sub: options.sub ?? "user-1" }),
        iss: options.iss ?? issuer,
        aud: options.aud ?? audience,
        iat: now(),
        exp: now() + (options.expiresIn ?? 300),
        ...(options.notBefore !== undefined ? { nbf: now() + options.notBefore } : {}),
      };
      return signJws({ alg, kid, typ: "at+jwt" }, payload, key);
    },
    unsigned(options) {
      const payload = {
        ...claims(options),
        sub: options.sub ?? "user-1",
        iss: options.iss ?? issuer,
        aud: options.aud ?? audience,
        iat: now(),
        exp: now() + (options.expiresIn ?? 300),
      };
      return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(payload)}.`;
    },
    stop: () => server.stop(true),
  };
}

/** Changes the payload of a signed token without re-signing it. */
export function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split(".");
  const decoded = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
  change(decoded);
  return `${header}.${Buffer.from(JSON.stringify(decoded)).toString("base64url")}.${signature}`;
}
