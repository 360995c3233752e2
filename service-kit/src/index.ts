/**
 * The kit's public API: what a service (and the conformance fixture) builds on. Nothing else in
 * service-kit is imported from outside it; tests that need the kit's inner parts use
 * `service-kit/testing`. HTTP and MCP plumbing (app/, http/, mcp/endpoint.ts, mcp/legacy/,
 * mcp/sdk/) stays private so it can change without touching the services.
 */

// Callers and secrets.
export type { AuthMode, Principal, Scope } from "./auth/principal.ts";
export { requireScope } from "./auth/scopes.ts";
export { type InternalTokenConfig, resolveInternalToken, resolveOptionalSecret } from "./auth/secrets.ts";
// Running a service: its definition, the CLI (serve, migrate, seed, …) and its configuration.
export { type CliOptions, runCli, type SeedCommand } from "./cli.ts";
export {
  internalTokenShape,
  isLoopbackHost,
  KIT_CLOUD_REQUIRED_VARIABLES,
  type KitConfig,
  type KitConfigShape,
  kitConfigShape,
} from "./config.ts";
export { decodeCursor, encodeCursor } from "./cursor.ts";
// Storage.
export type { Database, DatabaseHandle, Dialect } from "./db.ts";
// Errors and logs.
export { DomainError, type DomainErrorKind, isDomainError } from "./errors.ts";
// Live updates: change events published with the write that makes the change.
export type { ChangePublisher } from "./events/change-bus.ts";
export type { ChangeEvent } from "./events/change-event.ts";
// Calls to another of our services.
export {
  createInternalHttp,
  type InternalAnswer,
  type InternalHttp,
  InternalHttpError,
  type InternalRequest,
} from "./http/internal-http/index.ts";
export type { RequestContext } from "./http/request-context.ts";
export { createLogger, type Logger } from "./log.ts";
// MCP: tools, prompts and confirmations, defined once for both protocol eras (subscriptions are the kit's).
export { KIT_CACHE_HINTS } from "./mcp/cache-hints.ts";
export {
  type ConfirmationCodec,
  type ConfirmationState,
  createConfirmationCodec,
  MIN_STATE_KEY_BYTES,
} from "./mcp/confirmation.ts";
export {
  declareCompletionScope,
  registerScopedPrompt,
  type ScopedPromptConfig,
} from "./mcp/prompt-scopes.ts";
export { declareResourceScope } from "./mcp/resource-scopes.ts";
export {
  errorResult,
  READ_ONLY_TOOL,
  registerTool,
  type ToolCall,
  type ToolDefinition,
  type ToolKit,
} from "./mcp/tools.ts";
export type { Migration } from "./migrate.ts";
export type {
  InternalApi,
  KitRoute,
  ServiceDefinition,
  ServiceDeps,
  ServiceInfo,
  ServiceRuntime,
} from "./service.ts";
