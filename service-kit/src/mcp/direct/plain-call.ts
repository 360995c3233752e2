/**
 * Recognizes the one 2026-07-28 request shape real clients send most: a plain `tools/call` exactly as
 * the SDK v2 client writes it (bench/requests/sdk-v2.json). Only a request every part of which is
 * plainly valid is recognized: the SDK's createMcpHandler would accept it unchanged, so answering it
 * on the direct path (direct/direct-calls.ts) skips no check. Anything else (another revision, a
 * header that differs from the body in any way, an envelope with more or other keys, a progress
 * token, odd ids) is left to the SDK, whose checks and exact error codes then apply.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isJsonContentType,
  type JSONRPCRequest,
  PROTOCOL_VERSION_META_KEY,
} from "@modelcontextprotocol/server";
import type { DirectCall } from "./direct-calls.ts";

/** The only revision the direct path serves (the one the SDK v2 client sends). */
export const DIRECT_REVISION = "2026-07-28";

const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const PARAM_KEYS = new Set(["name", "arguments", "_meta"]);
const LEGACY_PARAM_KEYS = new Set(["name", "arguments"]);
// The three keys read below (revision, client info, capabilities), and no others.
const META_KEY_COUNT = 3;
// A tool name a header carries as is: printable ASCII without the separators a header would mangle.
const HEADER_SAFE_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasOnlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

/** The plain call `body` is, with headers that agree with it exactly; undefined for anything else. */
export function plainToolCall(headers: Headers, body: unknown): DirectCall | undefined {
  // The kit's own check is looser ("includes application/json"); the SDK's decides.
  if (!isJsonContentType(headers.get("content-type"))) return undefined;
  if (!isObject(body) || !hasOnlyKeys(body, REQUEST_KEYS)) return undefined;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== "2.0" || method !== "tools/call") return undefined;
  if (typeof id !== "string" && !Number.isSafeInteger(id)) return undefined;
  if (!isObject(params) || !hasOnlyKeys(params, PARAM_KEYS)) return undefined;
  const { name, arguments: args, _meta: meta } = params;
  if (typeof name !== "string" || !HEADER_SAFE_NAME.test(name) || !isObject(args)) return undefined;
  if (!isObject(meta) || Object.keys(meta).length !== META_KEY_COUNT) return undefined;
  const version = meta[PROTOCOL_VERSION_META_KEY];
  const info = meta[CLIENT_INFO_META_KEY];
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  if (version !== DIRECT_REVISION || !isPlainClientInfo(info)) return undefined;
  if (!isObject(capabilities) || Object.keys(capabilities).length !== 0) return undefined;
  if (headers.get("mcp-protocol-version") !== DIRECT_REVISION) return undefined;
  if (headers.get("mcp-method") !== "tools/call" || headers.get("mcp-name") !== name) return undefined;
  return {
    message: body as unknown as JSONRPCRequest,
    name,
    client: { protocolVersion: DIRECT_REVISION, clientInfo: info, capabilities },
  };
}

/**
 * A 2025 plain tools/call (asPlainRequest already checked the message): the tool name and arguments
 * the direct path needs, or undefined (no arguments object, a name no header could carry).
 */
export function plainLegacyToolCall(
  headers: Headers,
  message: JSONRPCRequest,
): Pick<DirectCall, "message" | "name"> | undefined {
  if (message.method !== "tools/call" || !isJsonContentType(headers.get("content-type"))) return undefined;
  const params = message.params as Record<string, unknown> | undefined;
  if (!params || !hasOnlyKeys(params, LEGACY_PARAM_KEYS) || !isObject(params.arguments)) return undefined;
  const { name } = params;
  return typeof name === "string" && HEADER_SAFE_NAME.test(name) ? { message, name } : undefined;
}

function isPlainClientInfo(value: unknown): value is { name: string; version: string } {
  if (!isObject(value) || Object.keys(value).length !== 2) return false;
  return typeof value.name === "string" && typeof value.version === "string";
}
