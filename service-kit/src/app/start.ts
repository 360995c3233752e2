/**
 * Starts a service: auth, database and migrations, the service's own setup, the MCP endpoint, then
 * the app (build.ts) listening, its maintenance (maintenance.ts), and the shutdown that drains it.
 */
import { failedAuthLimitSettings, rateLimitSettings, resolveAuth } from "../auth/auth-config.ts";
import { createAuthenticator } from "../auth/authenticator.ts";
import { isLoopbackHost, type KitConfig } from "../config.ts";
import type { ChangeBus } from "../events/change-bus.ts";
import { LiveUpdateCounters } from "../events/live-metrics.ts";
import { openChangeBus } from "../events/open-bus.ts";
import { RateLimiter } from "../http/rate-limit.ts";
import type { Logger } from "../log.ts";
import { McpEndpoint } from "../mcp/endpoint.ts";
import { DatabaseEventStore } from "../mcp/legacy/event-store.ts";
import { maxSessionsPerPrincipal } from "../mcp/legacy/session-limits.ts";
import { SessionStore } from "../mcp/legacy/session-store.ts";
import { listenCapPerPrincipal } from "../mcp/modern/listen.ts";
import type { Metrics } from "../metrics.ts";
import { openServiceDatabase, type RunningService, type ServiceDefinition } from "../service.ts";
import { InFlightTracker } from "../shutdown.ts";
import { buildApp, mcpPathOf } from "./build.ts";
import { startMaintenance } from "./maintenance.ts";
import type { AppParts } from "./parts.ts";

/** The app's parts and what shutdown closes besides them. */
export interface AssembledService {
  parts: AppParts;
  events: DatabaseEventStore;
  /** Change events of every instance (live updates); closed with the service. */
  changes: ChangeBus;
  /** Notifications sent to live listeners, for the metric lines. */
  liveCounters: LiveUpdateCounters;
  /** Stops the service's background work, then closes the database. */
  close(): Promise<void>;
  draining(value: boolean): void;
}

/** Everything the app needs, opened in the order that fails safest; nothing listens yet. */
export async function assembleService<C extends KitConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  log: Logger,
  metrics: Metrics,
  peerAddress: (request: Request) => string | undefined,
  /** directCalls: false sends every modern request through the SDK's entry (mcp/endpoint.ts). */
  options: { directCalls?: boolean } = {},
): Promise<AssembledService> {
  // Auth first: a server that cannot authenticate callers must not open its database or listen.
  const loopback = isLoopbackHost(config.HOST);
  const authCheck = resolveAuth(config, loopback);
  if (!authCheck.ok) throw new Error(authCheck.problem);
  const auth = await createAuthenticator(authCheck.auth, config, { log, serviceName: definition.info.name });
  const limits = rateLimitSettings(config, authCheck.auth.mode, loopback);
  const db = await openServiceDatabase(definition, config);
  const changes = await openChangeBus(db, { service: definition.info.name, log });
  const liveCounters = new LiveUpdateCounters();
  const runtime = await definition.setup({
    info: definition.info,
    config,
    db: changes.track(db),
    changes,
    log,
    metrics,
  });
  const events = new DatabaseEventStore(db, { log });
  const endpoint = new McpEndpoint({
    events,
    store: new SessionStore(db),
    log,
    createServer: (principal) => runtime.createMcpServer(principal),
    forbidden: (scope, message) => auth.forbidden(scope, message),
    sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
    keepAliveMs: config.SSE_KEEPALIVE_MS,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxSessionsPerPrincipal: maxSessionsPerPrincipal(config, authCheck.auth.mode),
    ...(options.directCalls === undefined ? {} : { directCalls: options.directCalls }),
    live: {
      bus: changes,
      db,
      maxListenPerPrincipal: listenCapPerPrincipal(config, authCheck.auth.mode),
      maxListenPerInstance: config.LISTEN_MAX_PER_INSTANCE,
      onSent: (count) => liveCounters.sent(count),
    },
  });
  let draining = false;
  const parts: AppParts = {
    config,
    log,
    metrics,
    auth,
    limiter: new RateLimiter(limits),
    perMinute: limits.perMinute,
    failures: new RateLimiter(failedAuthLimitSettings(config)),
    endpoint,
    health: {
      service: definition.info.name,
      version: definition.info.version,
      db,
      log,
      draining: () => draining,
    },
    ...(runtime.internal ? { internal: runtime.internal } : {}),
    inFlight: new InFlightTracker(),
    peerAddress,
  };
  return {
    parts,
    events,
    changes,
    liveCounters,
    draining: (value) => {
      draining = value;
    },
    close: async () => {
      await runtime.stop?.();
      await changes.close();
      await db.close();
    },
  };
}

export async function startService<C extends KitConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  log: Logger,
  metrics: Metrics,
): Promise<RunningService> {
  let server: ReturnType<typeof Bun.serve> | undefined;
  const service = await assembleService(
    definition,
    config,
    log,
    metrics,
    (request) => server?.requestIP(request)?.address,
  );
  const { parts } = service;
  const app = buildApp(parts);
  app.listen({ port: config.PORT, hostname: config.HOST });
  server = app.server ?? undefined;
  if (!server) throw new Error(`could not listen on ${config.HOST}:${config.PORT}`);
  const listening = server;
  const port = server.port ?? config.PORT;
  const stopMaintenance = startMaintenance({
    endpoint: parts.endpoint,
    events: service.events,
    limiters: [parts.limiter, parts.failures],
    sessionTtlMs: config.SESSION_TTL_SECONDS * 1000,
    log,
  });

  const stopLiveMetrics = service.liveCounters.start(metrics, () => {
    const open = parts.endpoint.liveStreams;
    return open.listen + open.sessions;
  });

  const hostForUrl = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      service.draining(true);
      const { inFlight } = parts;
      log.info("shutting down", { reason, inFlight: inFlight.count });
      stopMaintenance();
      stopLiveMetrics();
      parts.auth.stop();
      const stopped = listening.stop(false);
      // Listen streams never end by themselves: ended now, they do not hold the drain to its limit.
      await parts.endpoint.endLiveStreams();
      const drained = await inFlight.idle(config.SHUTDOWN_TIMEOUT_MS);
      if (!drained) log.warn("drain timed out; closing remaining requests", { inFlight: inFlight.count });
      await parts.endpoint.closeAll();
      await listening.stop(true);
      await stopped;
      await service.close();
      log.info("stopped", { reason });
    })();
    return shuttingDown;
  };
  return { url: `http://${hostForUrl}:${port}${mcpPathOf(config.BASE_PATH)}`, port, shutdown };
}
