/** What the app is built from: everything start.ts opens before it, so a test can build it in-process. */
import type { Authenticator } from "../auth/authenticator.ts";
import type { KitConfig } from "../config.ts";
import type { HealthState } from "../health.ts";
import type { InternalApi } from "../http/internal-routes.ts";
import type { OriginPolicy } from "../http/origin-guard.ts";
import type { RateLimiter } from "../http/rate-limit.ts";
import type { Logger } from "../log.ts";
import type { McpEndpoint } from "../mcp/endpoint.ts";
import type { Metrics } from "../metrics.ts";
import type { InFlightTracker } from "../shutdown.ts";

export interface AppParts {
  config: KitConfig;
  log: Logger;
  metrics: Metrics;
  auth: Authenticator;
  /** Requests per principal (per address without auth), and its per-minute allowance for the 429. */
  limiter: RateLimiter;
  perMinute: number;
  /** Failed credential tries per address. */
  failures: RateLimiter;
  endpoint: McpEndpoint;
  health: HealthState;
  internal?: InternalApi;
  inFlight: InFlightTracker;
  /** The socket's peer address of a request; undefined in-process (app.handle). */
  peerAddress(request: Request): string | undefined;
}

export function originPolicy(config: KitConfig, loopbackBind: boolean): OriginPolicy {
  return { allowedOrigins: config.ALLOWED_ORIGINS, loopbackBind };
}
