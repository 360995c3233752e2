/**
 * Builds the service's Elysia app from the kit's plugins, without listening: start.ts listens, and
 * build.test.ts drives the same app in-process with app.handle(). The order of `use` is the order a
 * request goes through: context and body limit → (route: guard → handler) → errors → CORS → log.
 */
import { type AnyElysia, Elysia } from "elysia";
import { isLoopbackHost } from "../config.ts";
import { clientAddress } from "../http/client-address.ts";
import { corsPreflight, corsResponseHeaders } from "./cors.ts";
import { errorAnswers } from "./errors.ts";
import { mcpGuard } from "./guard.ts";
import { type AppParts, originPolicy } from "./parts.ts";
import { requestContext } from "./request-context.ts";
import { requestLog } from "./request-log.ts";
import { authMetadataRoutes, healthRoutes, internalRoutes, mcpRoute } from "./routes.ts";

export function mcpPathOf(basePath: string): string {
  return `${basePath}/mcp`;
}

export function buildApp(parts: AppParts): AnyElysia {
  const { config } = parts;
  const basePath = config.BASE_PATH;
  const mcpPath = mcpPathOf(basePath);
  const policy = originPolicy(config, isLoopbackHost(config.HOST));
  const addressOf = (request: Request): string =>
    clientAddress(request, parts.peerAddress(request), config.TRUSTED_PROXY_HOPS);
  const guard = mcpGuard({ ...parts, policy, addressOf });
  return (
    new Elysia({
      name: "service-kit",
      serve: { idleTimeout: 120, maxRequestBodySize: config.MAX_BODY_BYTES + 1024 },
    })
      // Before the pipeline: a preflight does no work, so it gets neither a request id nor a log line.
      .use(corsPreflight({ policy, mcpPath }))
      .use(requestContext({ inFlight: parts.inFlight, maxBodyBytes: config.MAX_BODY_BYTES }))
      .use(errorAnswers({ log: parts.log, mcpPath, basePath }))
      .use(corsResponseHeaders({ policy }))
      .use(requestLog({ log: parts.log, metrics: parts.metrics }))
      .use(mcpRoute({ path: mcpPath, endpoint: parts.endpoint, guard }))
      .use(authMetadataRoutes(parts.auth.metadata))
      .use(healthRoutes({ basePath, health: parts.health }))
      .use(
        internalRoutes({
          internal: parts.internal,
          guard: { policy, failures: parts.failures },
          addressOf,
        }),
      )
  );
}

/** The built app: Elysia, with `handle(request)` for in-process use and `listen()`. */
export type KitApp = AnyElysia;
