/**
 * Turns a request's credentials into a Principal, per AUTH_MODE: none (the local user), api-key
 * (keys from API_KEYS or SSM) or oauth (JWT access tokens). Failures become 401/403 answers with the
 * `WWW-Authenticate` challenge clients need, and a JSON-RPC error body that says what to do. Runs on
 * every request, sessions included, so a revoked key or an expired token stops working at once.
 */
import type { Logger } from "../log.ts";
import { jsonRpcErrorResponse } from "../mcp/json-rpc.ts";
import { ApiKeySet, parseLocalApiKeys } from "./api-keys.ts";
import type { AuthConfig, ResolvedAuth } from "./auth-config.ts";
import { discoverJwksUrl, OAuthVerifier } from "./oauth.ts";
import { ALL_SCOPES, type AuthMode, LOCAL_PRINCIPAL, type Principal } from "./principal.ts";
import {
  type BearerChallenge,
  bearerChallenge,
  type ProtectedResourceMetadata,
  protectedResourceFor,
  protectedResourceMetadata,
  protectedResourcePaths,
} from "./protected-resource.ts";
import { bearerTokenOf } from "./secrets.ts";
import { createSsmClient } from "./ssm-client.ts";
import { type KeySource, SsmKeySource, staticKeySource } from "./ssm-key-source.ts";

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; response: Response /** For the log line; never contains the credential. */; reason: string };

export interface Authenticator {
  mode: AuthMode;
  authenticate(request: Request): Promise<AuthOutcome>;
  /** 403 insufficient_scope for a caller who lacks `scope`. */
  forbidden(scope: string, message: string): Response;
  /** Protected Resource Metadata and the paths to serve it at (oauth only). */
  metadata?: { paths: string[]; document: ProtectedResourceMetadata };
  stop(): void;
}

const REALM = "retail-mcp";

export interface AuthenticatorDeps {
  log: Logger;
  serviceName: string;
}

export async function createAuthenticator(
  auth: ResolvedAuth,
  config: AuthConfig,
  deps: AuthenticatorDeps,
): Promise<Authenticator> {
  if (auth.mode === "none") {
    return {
      mode: "none",
      authenticate: async () => ({ ok: true, principal: LOCAL_PRINCIPAL }),
      forbidden: (scope, message) => challengeResponse(403, message, { error: "insufficient_scope", scope }),
      stop: () => undefined,
    };
  }
  if (auth.mode === "api-key") {
    const source: KeySource =
      auth.keys.kind === "local"
        ? staticKeySource(new ApiKeySet(parseLocalApiKeys(auth.keys.value)))
        : await SsmKeySource.start({
            client: await createSsmClient({ region: config.AWS_REGION, endpoint: config.SSM_ENDPOINT }),
            parameter: auth.keys.parameter,
            ttlSeconds: config.API_KEYS_CACHE_SECONDS,
            log: deps.log,
          });
    return bearerAuthenticator("api-key", { realm: REALM }, source.stop.bind(source), async (token) => {
      const found = source.current().lookup(token);
      if (found.ok) return { ok: true, principal: found.principal };
      return {
        ok: false,
        reason: `api key ${found.reason}`,
        description:
          found.reason === "expired"
            ? "The API key has expired; ask the operator for a new one."
            : "The API key is not valid; check the key you configured, or ask the operator for a new one.",
      };
    });
  }
  const jwksUrl = auth.jwksUrl ?? (await discoverJwksUrl(auth.issuer));
  const verifier = new OAuthVerifier({
    issuer: auth.issuer,
    audience: auth.audience,
    jwksUrl,
    scopePrefix: config.OAUTH_SCOPE_PREFIX,
  });
  const resource = protectedResourceFor(auth.publicUrl, config.BASE_PATH, auth.issuer);
  deps.log.info("OAuth resource server ready", { issuer: auth.issuer, audience: auth.audience, jwksUrl });
  const authenticator = bearerAuthenticator(
    "oauth",
    { resourceMetadata: resource.metadataUrl },
    () => undefined,
    async (token) => {
      const verdict = await verifier.verify(token);
      if (verdict.ok) return verdict;
      return { ok: false, reason: `jwt: ${verdict.description}`, description: verdict.description };
    },
  );
  authenticator.metadata = {
    paths: protectedResourcePaths(config.BASE_PATH),
    document: protectedResourceMetadata(resource, deps.serviceName),
  };
  return authenticator;
}

type TokenCheck = (
  token: string,
) => Promise<{ ok: true; principal: Principal } | { ok: false; reason: string; description: string }>;

function bearerAuthenticator(
  mode: "api-key" | "oauth",
  base: BearerChallenge,
  stop: () => void,
  check: TokenCheck,
): Authenticator {
  const what = mode === "api-key" ? "an API key" : "an OAuth access token";
  return {
    mode,
    async authenticate(request) {
      const header = request.headers.get("authorization");
      if (header === null) {
        return {
          ok: false,
          reason: "no credentials",
          response: challengeResponse(
            401,
            `Authentication required: send Authorization: Bearer <${mode === "api-key" ? "API key" : "access token"}>.`,
            base,
          ),
        };
      }
      const token = bearerTokenOf(request);
      if (token === undefined) {
        const description = `The Authorization header must be "Bearer <token>" with ${what}.`;
        return {
          ok: false,
          reason: "malformed authorization header",
          response: challengeResponse(401, description, { ...base, error: "invalid_request", description }),
        };
      }
      const result = await check(token);
      if (!result.ok) {
        return {
          ok: false,
          reason: result.reason,
          response: challengeResponse(401, `Unauthorized: ${result.description}`, {
            ...base,
            error: "invalid_token",
            description: result.description,
          }),
        };
      }
      if (!result.principal.scopes.some((scope) => (ALL_SCOPES as readonly string[]).includes(scope))) {
        const description =
          "The credentials grant none of this server's scopes (products:read, orders:read, orders:write).";
        return {
          ok: false,
          reason: "no scopes",
          response: challengeResponse(403, `Forbidden: ${description}`, {
            ...base,
            error: "insufficient_scope",
            description,
            scope: "products:read orders:read orders:write",
          }),
        };
      }
      return result;
    },
    forbidden: (scope, message) =>
      challengeResponse(403, message, { ...base, error: "insufficient_scope", description: message, scope }),
    stop,
  };
}

function challengeResponse(status: 401 | 403, message: string, challenge: BearerChallenge): Response {
  return jsonRpcErrorResponse(status, -32000, message, { "www-authenticate": bearerChallenge(challenge) });
}
