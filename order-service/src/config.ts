/** order-service configuration: the kit's variables plus how to reach product-service and reconcile. */
import {
  internalTokenShape,
  KIT_CLOUD_REQUIRED_VARIABLES,
  kitConfigShape,
  MIN_STATE_KEY_BYTES,
} from "service-kit";
import { z } from "zod";

function wholeNumber(what: string, min: number, max: number): z.ZodCoercedNumber<unknown> {
  const message = `must be a whole number of ${what} from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

export const configSchema = z.object({
  ...kitConfigShape,
  PORT: kitConfigShape.PORT.default(3002),
  /** Base URL of product-service's internal API (cloud: http://product-service:8080 via Service Connect). */
  PRODUCT_SERVICE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "http://127.0.0.1:3001"' })
    .transform((url) => url.replace(/\/+$/, ""))
    .default("http://127.0.0.1:3001"),
  /** Service token sent to product-service's /internal routes (same value as product-service's). */
  ...internalTokenShape,
  /** A pending order older than this is finished (or rejected) by the reconciler. */
  RECONCILE_AFTER_SECONDS: wholeNumber("seconds", 1, 86_400).default(30),
  /** How often the reconciler looks for pending orders. */
  RECONCILE_INTERVAL_SECONDS: wholeNumber("seconds", 1, 3600).default(10),
  /** Timeout of one HTTP attempt to product-service. */
  PRODUCT_TIMEOUT_MS: wholeNumber("milliseconds", 50, 60_000).default(2000),
  /** Time budget of one product-service call including retries. */
  PRODUCT_BUDGET_MS: wholeNumber("milliseconds", 100, 120_000).default(5000),
  /** create_order asks the user to confirm an order whose total is above this (currency units). */
  ORDER_CONFIRM_ABOVE: z.coerce
    .number({ error: "must be an amount in currency units, e.g. 500" })
    .min(0, "must be 0 or more (0 asks for every order)")
    .max(100_000_000, "must be at most 100000000")
    .default(500),
  /**
   * Signs the state of a confirmation round (2026-07-28 `requestState`); the same value on every
   * instance. Unset: each process makes its own, which only works with one instance.
   */
  MCP_STATE_KEY: z
    .string()
    .refine((value) => Buffer.byteLength(value) >= MIN_STATE_KEY_BYTES, {
      error: `must be at least ${MIN_STATE_KEY_BYTES} bytes, e.g. the output of: openssl rand -hex 32`,
    })
    .optional(),
  /** SSM SecureString parameter that holds MCP_STATE_KEY in the cloud (read at start; wins when set). */
  MCP_STATE_KEY_SSM_PARAMETER: z
    .string()
    .regex(
      /^\/[A-Za-z0-9_./-]+$/,
      'must be a parameter name like "/copilot/retail-mcp/staging/secrets/MCP_STATE_KEY"',
    )
    .optional(),
});

export type OrderConfig = z.infer<typeof configSchema>;

/** What a deployed task must be given (checked against the Copilot manifests in test/deploy). */
export const cloudRequiredVariables: readonly string[] = [
  ...KIT_CLOUD_REQUIRED_VARIABLES,
  "PRODUCT_SERVICE_URL",
  // Every task must sign confirmation rounds with the same key, or a round answered on another fails.
  "MCP_STATE_KEY_SSM_PARAMETER",
];
