/**
 * OAuth resource server: verifies JWT access tokens against the authorization server's JWKS with
 * `jose`. Only asymmetric algorithms are accepted (never `none`, never HS*: an HMAC "key" taken from
 * a JWKS would let anyone who can read the JWKS mint tokens). Issuer, audience (this server's resource
 * URL, RFC 8707), expiry and not-before are checked; scopes come from `scope` or `scp`. The principal
 * is `sub`, so it must be a non-empty string (tokens sharing a blank or odd `sub` would share orders),
 * and only access tokens are accepted: a Cognito ID token (`token_use: id`) proves who signed in, not
 * what a client may do. The issuer and its JWKS must be https, unless on loopback (tests, development).
 */
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { isLoopbackHost } from "../http/loopback.ts";
import type { Principal } from "./principal.ts";

export const ALLOWED_JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

export interface OAuthOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /**
   * Cognito's "<resource-server-id>/": when set, only scopes with this prefix count, stripped of it
   * ("…/orders:read" → "orders:read"); an unprefixed "orders:read" is not this resource server's.
   */
  scopePrefix?: string | undefined;
  clockToleranceSeconds?: number;
}

export type TokenVerdict = { ok: true; principal: Principal } | { ok: false; description: string };

export class OAuthVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: OAuthOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
      timeoutDuration: 5000,
      // A token with an unknown kid triggers at most one JWKS fetch per 30 s, so garbage tokens cannot
      // turn this server into a JWKS flooder; key rotation at the issuer is still picked up.
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  async verify(token: string): Promise<TokenVerdict> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...ALLOWED_JWT_ALGORITHMS],
        requiredClaims: ["exp", "sub"],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
      }));
    } catch (error) {
      return { ok: false, description: describeJoseError(error) };
    }
    const problem = accessTokenProblem(payload);
    if (problem !== undefined) return { ok: false, description: problem };
    return {
      ok: true,
      principal: {
        id: payload.sub as string,
        scopes: scopesOf(payload, this.options.scopePrefix),
        via: "oauth",
      },
    };
  }
}

/** What makes a verified JWT unusable as this server's access token, or undefined when nothing does. */
function accessTokenProblem(payload: JWTPayload): string | undefined {
  if (typeof payload.sub !== "string" || payload.sub.trim() === "")
    return 'The access token\'s "sub" claim must be a non-empty string naming the user.';
  const use = payload.token_use;
  if (use !== undefined && use !== "access")
    return `The token is not an access token (token_use: ${JSON.stringify(use)}); send an access token.`;
  return undefined;
}

export function scopesOf(payload: JWTPayload, prefix?: string): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === "string" ? raw.split(" ") : Array.isArray(raw) ? raw.map(String) : [];
  const nonEmpty = list.filter((scope) => scope.length > 0);
  if (!prefix) return nonEmpty;
  return nonEmpty.filter((scope) => scope.startsWith(prefix)).map((scope) => scope.slice(prefix.length));
}

/**
 * Why `url` (the issuer or its JWKS) may not be trusted, or undefined when it may: keys fetched over
 * plain http could be swapped on the way, so http is accepted on loopback only.
 */
export function insecureUrlProblem(name: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${name} ${url} is not a URL`;
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return undefined;
  return `${name} must be an https:// URL (http:// is accepted only on loopback), got ${url}`;
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The access token expired; obtain a new one.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return "The access token was issued for another resource (aud); request one for this server's URL.";
      case "iss":
        return "The access token was issued by an untrusted issuer (iss).";
      case "nbf":
        return "The access token is not valid yet (nbf).";
      default:
        return `The access token is missing or has an invalid "${error.claim}" claim.`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return "The access token's signing algorithm is not accepted.";
  if (error instanceof errors.JWKSNoMatchingKey) return "The access token was signed with an unknown key.";
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "The access token's signature is invalid.";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSENotSupported) {
    return "The access token could not be verified right now; retry shortly.";
  }
  return "The access token is malformed or invalid.";
}

const DISCOVERY_TIMEOUT_MS = 5000;

/** Metadata URLs to try for an issuer: RFC 8414 (inserted) and OpenID Connect Discovery (appended). */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const origin = url.origin;
  const candidates = [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
    `${origin}/.well-known/openid-configuration${path}`,
  ];
  return [...new Set(candidates)];
}

/** Finds the issuer's `jwks_uri`; throws one line naming what was tried when it cannot. */
export async function discoverJwksUrl(issuer: string): Promise<string> {
  const failures: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    try {
      const response = await fetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
      });
      if (!response.ok) {
        failures.push(`${url} → HTTP ${response.status}`);
        continue;
      }
      const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (metadata.issuer !== issuer) {
        failures.push(`${url} → names issuer ${JSON.stringify(metadata.issuer)}`);
        continue;
      }
      if (typeof metadata.jwks_uri !== "string") {
        failures.push(`${url} → has no jwks_uri`);
        continue;
      }
      const insecure = insecureUrlProblem("jwks_uri", metadata.jwks_uri);
      if (insecure !== undefined) {
        failures.push(`${url} → ${insecure}`);
        continue;
      }
      return metadata.jwks_uri;
    } catch (error) {
      failures.push(`${url} → ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(
    `cannot discover the JWKS of OAUTH_ISSUER ${issuer} (${failures.join("; ")}); set OAUTH_JWKS_URL or fix the issuer`,
  );
}
