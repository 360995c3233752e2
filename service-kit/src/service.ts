/**
 * Assembles a service: database and migrations, the MCP endpoint, health, extra routes, the request
 * pipeline (request id → body limit → Origin/Host → principal → handler) and one log line per request.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { Elysia } from "elysia";
import { failedAuthLimitSettings, rateLimitSettings, resolveAuth } from "./auth/auth-config.ts";
import { createAuthenticator } from "./auth/authenticator.ts";
import type { Principal } from "./auth/principal.ts";
import { isLoopbackHost, type KitConfig } from "./config.ts";
import {
  DATABASE_UNAVAILABLE_MESSAGE,
  type Database,
  databaseUrlFromSecret,
  isDatabaseUnavailable,
  openDatabase,
} from "./db.ts";
import { livenessResponse, readinessResponse } from "./health.ts";
import { clientAddress } from "./http/client-address.ts";
import { corsHeaders, preflightResponse } from "./http/cors.ts";
import { fallbackResponse } from "./http/fallback.ts";
import { guardInternalRequest, type InternalApi, type KitRoute } from "./http/internal-routes.ts";
import { checkOriginAndHost, type OriginPolicy } from "./http/origin-guard.ts";
import { failedAuthLimitResponse, RateLimiter, rateLimitResponse } from "./http/rate-limit.ts";
import { newRequestContext, type RequestContext } from "./http/request-context.ts";
import { writeRequestLog } from "./http/request-log.ts";
import type { Logger } from "./log.ts";
import { McpEndpoint } from "./mcp/endpoint.ts";
import { jsonRpcErrorResponse } from "./mcp/json-rpc.ts";
import { DatabaseEventStore, EVENT_TTL_MS, eventMigrations } from "./mcp/legacy/event-store.ts";
import { maxSessionsPerPrincipal } from "./mcp/legacy/session-limits.ts";
import { SessionStore, sessionMigrations } from "./mcp/legacy/session-store.ts";
import type { Metrics } from "./metrics.ts";
import { type Migration, migrate } from "./migrate.ts";
import { InFlightTracker, trackStream } from "./shutdown.ts";

export interface ServiceInfo {
  name: string;
  version: string;
  description: string;
}

export interface ServiceDeps<C extends KitConfig> {
  info: ServiceInfo;
  config: C;
  db: Database;
  log: Logger;
  metrics: Metrics;
}

export type { InternalApi, KitRoute };

export interface ServiceRuntime {
  /** Builds the MCP server for one session (or one stateless request) of this caller. */
  createMcpServer(principal: Principal): McpServer;
  /** Service-to-service routes: root only, behind the service token (see http/internal-routes.ts). */
  internal?: InternalApi;
  /** Stops background work (reconcilers); called during shutdown, before the database closes. */
  stop?(): Promise<void>;
}

export interface ServiceDefinition<C extends KitConfig> {
  info: ServiceInfo;
  migrations: readonly Migration[];
  setup(deps: ServiceDeps<C>): Promise<ServiceRuntime>;
}

export interface RunningService {
  url: string;
  /** The bound port: the OS's pick when PORT is 0. */
  port: number;
  /** Drains and closes everything; resolves when done. */
  shutdown(reason: string): Promise<void>;
}

export function resolveDatabaseUrl(config: KitConfig, fallback: string): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  if (config.DB_SECRET) return databaseUrlFromSecret(config.DB_SECRET);
  return fallback;
}

export async function openServiceDatabase<C extends KitConfig>(
  definition: ServiceDefinition<C>,
  config: C,
): Promise<Database> {
  const url = resolveDatabaseUrl(config, `sqlite://.data/${definition.info.name}.sqlite`);
  const db = await openDatabase(url, config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {});
  await migrate(db, [...sessionMigrations, ...eventMigrations, ...definition.migrations]);
  return db;
}

export async function startService<C extends KitConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  log: Logger,
  metrics: Metrics,
): Promise<RunningService> {
  // Auth first: a server that cannot authenticate callers must not open its database or listen.
  const authCheck = resolveAuth(config, isLoopbackHost(config.HOST));
  if (!authCheck.ok) throw new Error(authCheck.problem);
  const auth = await createAuthenticator(authCheck.auth, config, { log, serviceName: definition.info.name });
  const limits = rateLimitSettings(config, authCheck.auth.mode, isLoopbackHost(config.HOST));
  const limiter = new RateLimiter(limits);
  const failures = new RateLimiter(failedAuthLimitSettings(config));
  const db = await openServiceDatabase(definition, config);
  const runtime = await definition.setup({ info: definition.info, config, db, log, metrics });
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
  });
  const policy: OriginPolicy = {
    allowedOrigins: config.ALLOWED_ORIGINS,
    loopbackBind: isLoopbackHost(config.HOST),
  };
  let server: ReturnType<typeof Bun.serve> | undefined;
  const addressOf = (request: Request): string =>
    clientAddress(request, server?.requestIP(request)?.address, config.TRUSTED_PROXY_HOPS);
  const inFlight = new InFlightTracker();
  let draining = false;
  const health = {
    service: definition.info.name,
    version: definition.info.version,
    db,
    log,
    draining: () => draining,
  };

  const instrument =
    (handler: (request: Request, context: RequestContext) => Promise<Response> | Response) =>
    async (request: Request): Promise<Response> => {
      const context = newRequestContext(request);
      const end = inFlight.begin();
      let response: Response;
      try {
        const declared = Number(request.headers.get("content-length") ?? "0");
        response =
          declared > config.MAX_BODY_BYTES
            ? jsonRpcErrorResponse(
                413,
                -32000,
                `Request body too large: the limit is ${config.MAX_BODY_BYTES} bytes.`,
              )
            : await handler(request, context);
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          // A database restart or failover: retryable, and not this request's fault.
          log.warn("database unavailable", { requestId: context.requestId, error: String(error) });
          response = jsonRpcErrorResponse(503, -32000, DATABASE_UNAVAILABLE_MESSAGE, { "retry-after": "2" });
        } else {
          log.error("request failed", { requestId: context.requestId, error: String(error) });
          response = jsonRpcErrorResponse(
            500,
            -32603,
            `Internal error (request id ${context.requestId}). Retry later.`,
          );
        }
      }
      response.headers.set("x-request-id", context.requestId);
      for (const [name, value] of Object.entries(corsHeaders(request, policy)))
        response.headers.set(name, value);
      // A POST answered with SSE is a request still running (a tool call); a GET stream is only a
      // channel that shutdown closes, so waiting for it would always run the drain to its limit.
      const streaming =
        request.method === "POST" &&
        response.headers.get("content-type")?.startsWith("text/event-stream") === true;
      writeRequestLog(log, metrics, request, response.status, context);
      if (streaming) return trackStream(response, end);
      end();
      return response;
    };

  const mcp = instrument(async (request, context) => {
    const verdict = checkOriginAndHost(request, policy);
    if (!verdict.ok) return jsonRpcErrorResponse(verdict.status, -32000, verdict.message);
    // Callers without valid credentials are limited per address, and refused before their credentials
    // are checked, so keys and tokens cannot be guessed at speed (AUTH_MODE=none never fails).
    const address = auth.mode === "none" ? "" : addressOf(request);
    const wait = address === "" ? undefined : failures.blockedFor(address);
    if (wait !== undefined) {
      context.fields.rateLimited = true;
      context.fields.clientAddress = address;
      return failedAuthLimitResponse(wait);
    }
    const outcome = await auth.authenticate(request);
    if (!outcome.ok) {
      if (address !== "") failures.take(address);
      context.fields.authFailure = outcome.reason;
      // Who is failing: lets an operator see a guessing address (never the credential itself).
      context.fields.clientAddress = address;
      return outcome.response;
    }
    context.principal = outcome.principal;
    // Without auth every caller is the same principal: count them by address instead, so one client
    // cannot use up everybody's allowance.
    const allowance = limiter.take(
      auth.mode === "none" ? `address ${addressOf(request)}` : outcome.principal.id,
    );
    if (!allowance.ok) {
      context.fields.rateLimited = true;
      return rateLimitResponse(allowance.retryAfterSeconds, limits.perMinute);
    }
    const info = { requestId: context.requestId, principal: context.principal };
    try {
      return await endpoint.handle(request, info);
    } finally {
      if ("rpc" in info) context.rpc = (info as { rpc?: RequestContext["rpc"] }).rpc;
    }
  });

  const base = config.BASE_PATH;
  const prefixes = base === "" ? [""] : ["", base];
  const app = new Elysia({
    serve: { idleTimeout: 120, maxRequestBodySize: config.MAX_BODY_BYTES + 1024 },
  });
  const mcpPath = `${base}/mcp`;
  for (const method of ["GET", "POST", "DELETE", "PUT", "PATCH"] as const) {
    app.route(method, mcpPath, ({ request }) => mcp(request), { parse: "none" });
  }
  app.options(mcpPath, ({ request }) => preflightResponse(request, policy));
  for (const path of auth.metadata?.paths ?? []) {
    const document = auth.metadata?.document;
    // Public, cacheable facts that browser-based clients fetch cross-origin.
    const metadata = instrument(() =>
      Response.json(document, {
        headers: { "cache-control": "max-age=300", "access-control-allow-origin": "*" },
      }),
    );
    app.get(path, ({ request }) => metadata(request));
  }
  for (const prefix of prefixes) {
    const live = instrument(() => livenessResponse(health));
    const ready = instrument(() => readinessResponse(health));
    app.get(`${prefix}/health`, ({ request }) => live(request));
    app.get(`${prefix}/ready`, ({ request }) => ready(request));
  }
  const internal = runtime.internal;
  // Root only: under BASE_PATH the load balancer would route the internet to them.
  for (const route of internal?.routes ?? []) {
    const guard = { token: internal?.token ?? (() => undefined), policy, failures };
    const handle = instrument((request, context) => {
      const refused = guardInternalRequest(request, addressOf(request), guard, context);
      return refused ?? route.handle(request, context);
    });
    app.route(route.method, route.path, ({ request }) => handle(request), { parse: "none" });
  }
  app.onError(({ code }) => fallbackResponse(code, mcpPath, base));
  app.listen({ port: config.PORT, hostname: config.HOST });
  server = app.server ?? undefined;
  if (!server) throw new Error(`could not listen on ${config.HOST}:${config.PORT}`);
  const listening = server;
  const port = server.port ?? config.PORT;
  const sweepMs = Math.min(60_000, Math.max(1000, (config.SESSION_TTL_SECONDS * 1000) / 4));
  let liveSessions = 0;
  const sweeper = setInterval(() => {
    const now = Date.now();
    const sweep = async (): Promise<void> => {
      await endpoint.sweep(now);
      limiter.sweep(now);
      failures.sweep(now);
      await events.prune(now - Math.min(EVENT_TTL_MS, config.SESSION_TTL_SECONDS * 1000));
      // Logged on change only: lets operators (and the abandoned-session test) see memory being released.
      if (endpoint.liveSessionCount !== liveSessions) {
        // The last sessions expired: collect now, while nobody waits on this task, so the next burst
        // reuses their memory instead of growing the task's footprint first.
        if (endpoint.liveSessionCount === 0) Bun.gc(true);
        liveSessions = endpoint.liveSessionCount;
        const rssMb = Math.round(process.memoryUsage.rss() / 1048576);
        log.info("live MCP sessions", { liveSessions, rssMb });
      }
    };
    sweep().catch((error) => log.warn("session sweep failed", { error: String(error) }));
  }, sweepMs);

  const hostForUrl = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      draining = true;
      log.info("shutting down", { reason, inFlight: inFlight.count });
      clearInterval(sweeper);
      auth.stop();
      const stopped = listening.stop(false);
      const drained = await inFlight.idle(config.SHUTDOWN_TIMEOUT_MS);
      if (!drained) log.warn("drain timed out; closing remaining requests", { inFlight: inFlight.count });
      await endpoint.closeAll();
      await listening.stop(true);
      await stopped;
      await runtime.stop?.();
      await db.close();
      log.info("stopped", { reason });
    })();
    return shuttingDown;
  };
  return { url: `http://${hostForUrl}:${port}${base}/mcp`, port, shutdown };
}
