/**
 * Environment configuration: one zod schema per service over `process.env`.
 * A bad value stops the process with exit status 2 and one line per bad variable, because a
 * misconfigured task that starts anyway fails later in ways that are much harder to trace.
 */
import { z } from "zod";
import { authConfigShape } from "./auth/auth-config.ts";
import { sessionLimitsConfigShape } from "./mcp/legacy/session-limits.ts";
import { redactUrlCredentials } from "./redact.ts";

export { isLoopbackHost } from "./http/loopback.ts";

// 0 asks the OS for a free port: tests and local tools bind that way and read the port from the
// `listening` log line, so they never race another process for a number they picked themselves.
const PORT_MESSAGE =
  "must be a whole number from 0 to 65535 (0 binds a free port, named in the listening log line)";
const port = z.coerce
  .number({ error: PORT_MESSAGE })
  .int(PORT_MESSAGE)
  .min(0, PORT_MESSAGE)
  .max(65535, PORT_MESSAGE);

function positiveInt(what: string, max: number): z.ZodCoercedNumber<unknown> {
  const message = `must be a whole number of ${what} from 1 to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(1, message).max(max, message);
}

const basePath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be empty or a path like "/product" (no trailing slash)');

const commaList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const databaseUrl = z
  .string()
  .regex(/^(sqlite|postgres|postgresql):\/\//, 'must start with "sqlite://" or "postgres://"');

/** Variables every service understands. Services extend this with their own. */
export const kitConfigShape = {
  PORT: port,
  HOST: z.string().min(1, "must not be empty").default("127.0.0.1"),
  BASE_PATH: basePath.default(""),
  DATABASE_URL: databaseUrl.optional(),
  DB_SECRET: z.string().optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case SQL identifier such as orders")
    .optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  LOG_FORMAT: z
    .enum(["auto", "json", "pretty"], { error: 'must be "auto", "json" or "pretty"' })
    .default("auto"),
  ALLOWED_ORIGINS: commaList.default([]),
  MAX_BODY_BYTES: positiveInt("bytes", 16 * 1024 * 1024).default(1024 * 1024),
  SESSION_TTL_SECONDS: positiveInt("seconds", 7 * 24 * 3600).default(1800),
  SHUTDOWN_TIMEOUT_MS: positiveInt("milliseconds", 600_000).default(25_000),
  SSE_KEEPALIVE_MS: positiveInt("milliseconds", 300_000).default(10_000),
  // Issue 19 (live updates): open subscriptions/listen streams per caller and per instance.
  // Unset: 8 with auth; with AUTH_MODE=none every caller is one principal, so only the instance cap.
  LISTEN_MAX_PER_PRINCIPAL: positiveInt("streams", 1000).optional(),
  LISTEN_MAX_PER_INSTANCE: positiveInt("streams", 100_000).default(1000),
  /** Proxies in front that append to X-Forwarded-For (1 behind the ALB); 0 ignores the header. */
  TRUSTED_PROXY_HOPS: z.coerce
    .number({ error: "must be a whole number from 0 to 5" })
    .int("must be a whole number from 0 to 5")
    .min(0, "must be a whole number from 0 to 5")
    .max(5, "must be a whole number from 0 to 5")
    .default(0),
  ...authConfigShape,
  // Issue 17 (memory exhaustion): MAX_SESSIONS_PER_PRINCIPAL, defined and checked in mcp/legacy/session-limits.ts.
  ...sessionLimitsConfigShape,
} as const;

/** The service token shared by product-service (which checks it) and order-service (which sends it). */
export const internalTokenShape = {
  INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** SSM SecureString parameter that holds INTERNAL_TOKEN in the cloud (read at start). */
  INTERNAL_TOKEN_SSM_PARAMETER: z
    .string()
    .regex(/^\/[A-Za-z0-9_./-]+$/, 'must be a parameter name like "/retail-mcp/internal-token"')
    .optional(),
} as const;

/** What every deployed task must be given (services add their own; checked against the manifests). */
export const KIT_CLOUD_REQUIRED_VARIABLES: readonly string[] = [
  "PORT",
  "HOST",
  "BASE_PATH",
  "DB_SECRET",
  "DATABASE_SCHEMA",
];

export type KitConfigShape = typeof kitConfigShape;
export type KitConfig = z.infer<z.ZodObject<KitConfigShape>>;

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; problems: string[] };

/** Parses `env` with `schema` and turns zod issues into one readable line per variable. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): ConfigResult<z.infer<S>> {
  // An empty string in the environment means "not set": `FOO=` should fall back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  // Parsed once per process: zod's compiled fast path (jit) costs more to build than it saves here.
  const result = schema.safeParse(cleaned, { jitless: true });
  if (result.success) return { ok: true, config: result.data };
  const byVariable = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? "config");
    if (byVariable.has(name)) continue;
    const value = cleaned[name];
    const shown =
      value === undefined ? "it is not set" : `got ${JSON.stringify(redactIfSecret(name, value))}`;
    byVariable.set(name, `${name} ${issue.message} (${shown})`);
  }
  return { ok: false, problems: [...byVariable.values()] };
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|KEYS?)$/;

/** Secret variables are never shown; any other value is shown without the credentials of its URLs. */
function redactIfSecret(name: string, value: string): string {
  return SECRET_NAME.test(name) ? "<redacted>" : redactUrlCredentials(value);
}

/** Parses the environment or exits with status 2, printing one line per bad variable. */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = parseConfig(schema, env);
  if (result.ok) return result.config;
  for (const problem of result.problems) console.error(`config error: ${problem}`);
  console.error("Fix the variables above and start again (see README, Configuration).");
  process.exit(2);
}
