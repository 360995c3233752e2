/**
 * Environment variables for authentication and rate limiting (spread into the kit's config shape),
 * and the cross-variable rules a single variable's schema cannot express: which mode needs what, and
 * that a server reachable from the network never runs without auth unless told so explicitly.
 */
import { z } from "zod";
import { parseLocalApiKeys } from "./api-keys.ts";
import { insecureUrlProblem } from "./oauth.ts";

const url = z.url({ error: "must be an absolute URL such as https://mcp.example.com" });

function wholeNumber(what: string, min: number, max: number): z.ZodCoercedNumber<unknown> {
  const message = `must be a whole number of ${what} from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

export const authConfigShape = {
  AUTH_MODE: z
    .enum(["none", "api-key", "oauth"], { error: 'must be "none", "api-key" or "oauth"' })
    .optional(),
  API_KEYS: z.string().optional(),
  API_KEYS_SSM_PARAMETER: z
    .string()
    .regex(/^[A-Za-z0-9_.\-/]{1,2048}$/, "must be an SSM parameter name")
    .optional(),
  API_KEYS_CACHE_SECONDS: wholeNumber("seconds", 1, 86_400).default(60),
  AWS_REGION: z.string().optional(),
  SSM_ENDPOINT: url.optional(),
  OAUTH_ISSUER: url.optional(),
  OAUTH_JWKS_URL: url.optional(),
  OAUTH_AUDIENCE: z.string().min(1).optional(),
  OAUTH_SCOPE_PREFIX: z.string().optional(),
  PUBLIC_URL: url.regex(/[^/]$/, "must not end with a slash").optional(),
  RATE_LIMIT_PER_MINUTE: wholeNumber("requests", 0, 1_000_000).optional(),
  RATE_LIMIT_BURST: wholeNumber("requests", 0, 1_000_000).optional(),
} as const;

export interface AuthConfig {
  HOST: string;
  PORT: number;
  BASE_PATH: string;
  AUTH_MODE?: "none" | "api-key" | "oauth" | undefined;
  API_KEYS?: string | undefined;
  API_KEYS_SSM_PARAMETER?: string | undefined;
  API_KEYS_CACHE_SECONDS: number;
  AWS_REGION?: string | undefined;
  SSM_ENDPOINT?: string | undefined;
  OAUTH_ISSUER?: string | undefined;
  OAUTH_JWKS_URL?: string | undefined;
  OAUTH_AUDIENCE?: string | undefined;
  OAUTH_SCOPE_PREFIX?: string | undefined;
  PUBLIC_URL?: string | undefined;
  RATE_LIMIT_PER_MINUTE?: number | undefined;
  RATE_LIMIT_BURST?: number | undefined;
}

export type ResolvedAuth =
  | { mode: "none" }
  | { mode: "api-key"; keys: { kind: "local"; value: string } | { kind: "ssm"; parameter: string } }
  | {
      mode: "oauth";
      issuer: string;
      jwksUrl?: string;
      audience: string;
      resourceUrl: string;
      publicUrl: string;
    };

export type AuthCheck = { ok: true; auth: ResolvedAuth } | { ok: false; problem: string };

/** The externally visible origin (+ nothing else) of this server, e.g. https://mcp.example.com. */
export function publicUrlOf(config: AuthConfig, loopback: boolean): string | undefined {
  if (config.PUBLIC_URL) return config.PUBLIC_URL;
  // PORT=0 is known only after the bind, too late for the resource URL that tokens are checked against.
  if (!loopback || config.PORT === 0) return undefined;
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}`;
}

/** Decides the auth mode, or names the one thing to fix (the caller exits with status 2). */
export function resolveAuth(config: AuthConfig, loopback: boolean): AuthCheck {
  const mode = config.AUTH_MODE ?? (loopback ? "none" : undefined);
  if (mode === undefined) {
    return {
      ok: false,
      problem:
        `AUTH_MODE is not set and HOST ${config.HOST} is not loopback: refusing to serve without auth. ` +
        "Set AUTH_MODE=api-key or AUTH_MODE=oauth (or AUTH_MODE=none explicitly, if something in front authenticates).",
    };
  }
  if (mode === "none") return { ok: true, auth: { mode } };
  if (mode === "api-key") {
    if (config.API_KEYS_SSM_PARAMETER) {
      return { ok: true, auth: { mode, keys: { kind: "ssm", parameter: config.API_KEYS_SSM_PARAMETER } } };
    }
    if (config.API_KEYS) {
      // Checked here, so a bad key stops the start with exit 2 and one line, like any config error.
      try {
        parseLocalApiKeys(config.API_KEYS);
      } catch (error) {
        return { ok: false, problem: (error as Error).message };
      }
      return { ok: true, auth: { mode, keys: { kind: "local", value: config.API_KEYS } } };
    }
    return {
      ok: false,
      problem:
        "AUTH_MODE=api-key needs API_KEYS_SSM_PARAMETER (cloud) or API_KEYS=principal=key,… (development)",
    };
  }
  if (!config.OAUTH_ISSUER)
    return { ok: false, problem: "AUTH_MODE=oauth needs OAUTH_ISSUER (the authorization server)" };
  const insecure =
    insecureUrlProblem("OAUTH_ISSUER", config.OAUTH_ISSUER) ??
    (config.OAUTH_JWKS_URL ? insecureUrlProblem("OAUTH_JWKS_URL", config.OAUTH_JWKS_URL) : undefined);
  if (insecure !== undefined) return { ok: false, problem: insecure };
  const publicUrl = publicUrlOf(config, loopback);
  if (!publicUrl) {
    return {
      ok: false,
      problem:
        "AUTH_MODE=oauth on a non-loopback HOST or with PORT=0 needs PUBLIC_URL (e.g. https://mcp.example.com), the URL clients use",
    };
  }
  const resourceUrl = `${publicUrl}${config.BASE_PATH}/mcp`;
  return {
    ok: true,
    auth: {
      mode,
      issuer: config.OAUTH_ISSUER,
      ...(config.OAUTH_JWKS_URL ? { jwksUrl: config.OAUTH_JWKS_URL } : {}),
      audience: config.OAUTH_AUDIENCE ?? resourceUrl,
      resourceUrl,
      publicUrl,
    },
  };
}

export interface RateLimitSettings {
  perMinute: number;
  burst: number;
}

/**
 * Defaults: 600/min with bursts of 60 per caller. Callers that authenticate are counted per principal;
 * in AUTH_MODE=none nobody has one, so they are counted per client address. On a loopback bind without
 * auth the caller is the developer's own machine, and limiting would only slow benchmarks and
 * development, so it is off there unless set.
 */
export function rateLimitSettings(
  config: AuthConfig,
  mode: ResolvedAuth["mode"],
  loopbackBind: boolean,
): RateLimitSettings {
  const perMinute = config.RATE_LIMIT_PER_MINUTE ?? (mode === "none" && loopbackBind ? 0 : 600);
  const burst = config.RATE_LIMIT_BURST ?? Math.max(1, Math.ceil(perMinute / 10));
  return { perMinute, burst: perMinute === 0 ? 0 : burst };
}

/**
 * Failed authentication per client address (no or wrong credentials on /mcp, a wrong service token on
 * /internal): a burst of 20, then one a second. Unlike the per-principal limit it is on in every auth
 * mode, because the internal API has a token even when /mcp has none; RATE_LIMIT_PER_MINUTE=0 turns
 * it off with every other limit.
 */
export function failedAuthLimitSettings(config: AuthConfig): RateLimitSettings {
  return config.RATE_LIMIT_PER_MINUTE === 0 ? { perMinute: 0, burst: 0 } : { perMinute: 60, burst: 20 };
}
