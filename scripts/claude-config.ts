/**
 * Claude Desktop configuration for the deployed (or local) MCP servers.
 *
 * Claude Desktop speaks stdio, so each remote server is reached through the `mcp-remote` bridge, pinned
 * to the version in our lockfile. Follows mcp-remote 0.15.1's README:
 * - the Authorization header is passed as `Authorization:${VAR}` with no spaces, because Claude Desktop
 *   on Windows (and Cursor) do not escape spaces inside `args`; the space after `Bearer` lives in the env
 *   value instead, and mcp-remote expands `${VAR}` from its environment;
 * - plain `http://` is accepted by mcp-remote only for `localhost`/`127.0.0.1`; any other http URL needs
 *   `--allow-http`, so we add it (and only then).
 *
 * CLI: bun scripts/claude-config.ts --server product=http://127.0.0.1:3001/product/mcp [--api-key-env VAR]
 */
import { parseArgs } from "node:util";

export const MCP_REMOTE_PACKAGE = "mcp-remote@0.15.1";
export const API_KEY_PLACEHOLDER = "Bearer <paste your key>";

export interface ClaudeServer {
  name: string;
  url: string;
}

export interface ClaudeDesktopOptions {
  servers: ClaudeServer[];
  apiKeyEnvVar?: string;
}

export interface McpServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ClaudeDesktopConfig {
  mcpServers: Record<string, McpServerEntry>;
}

export class ClaudeConfigError extends Error {
  override readonly name = "ClaudeConfigError";
}

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseServerUrl(server: ClaudeServer): URL {
  let url: URL;
  try {
    url = new URL(server.url);
  } catch {
    throw new ClaudeConfigError(
      `Server "${server.name}" has an invalid URL "${server.url}". Give a full URL such as https://mcp.example.com/product/mcp.`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ClaudeConfigError(
      `Server "${server.name}" URL must use https:// (or http:// for local testing), got "${url.protocol}".`,
    );
  }
  if (url.username || url.password) {
    throw new ClaudeConfigError(
      `Server "${server.name}" URL must not contain credentials; use --api-key-env to send a key instead.`,
    );
  }
  return url;
}

/** mcp-remote's own rule: only these two hosts may use plain http without --allow-http. */
function needsAllowHttp(url: URL): boolean {
  return url.protocol === "http:" && url.hostname !== "localhost" && url.hostname !== "127.0.0.1";
}

/** Builds the `mcpServers` block for claude_desktop_config.json. Throws ClaudeConfigError on bad input. */
export function claudeDesktopConfig(options: ClaudeDesktopOptions): ClaudeDesktopConfig {
  if (options.servers.length === 0) {
    throw new ClaudeConfigError("No servers given. Pass at least one server, e.g. --server product=<url>.");
  }
  const { apiKeyEnvVar } = options;
  if (apiKeyEnvVar !== undefined && !ENV_VAR_NAME.test(apiKeyEnvVar)) {
    throw new ClaudeConfigError(
      `"${apiKeyEnvVar}" is not a valid environment variable name. Use letters, digits and underscores, e.g. RETAIL_MCP_KEY.`,
    );
  }
  const mcpServers: Record<string, McpServerEntry> = {};
  for (const server of options.servers) {
    if (!SERVER_NAME.test(server.name)) {
      throw new ClaudeConfigError(
        `Server name "${server.name}" is not valid. Use letters, digits, "-" and "_", e.g. "retail-product".`,
      );
    }
    if (Object.hasOwn(mcpServers, server.name)) {
      throw new ClaudeConfigError(
        `Server name "${server.name}" is given twice. Each server needs its own name.`,
      );
    }
    const url = parseServerUrl(server);
    const args = ["-y", MCP_REMOTE_PACKAGE, url.href];
    if (needsAllowHttp(url)) args.push("--allow-http");
    const entry: McpServerEntry = { command: "npx", args };
    if (apiKeyEnvVar !== undefined) {
      args.push("--header", `Authorization:\${${apiKeyEnvVar}}`);
      entry.env = { [apiKeyEnvVar]: API_KEY_PLACEHOLDER };
    }
    mcpServers[server.name] = entry;
  }
  return { mcpServers };
}

const USAGE = `Usage: bun scripts/claude-config.ts --server NAME=URL [--server NAME=URL …] [--api-key-env VAR]

Prints a claude_desktop_config.json block that reaches each MCP server through mcp-remote.
  --server NAME=URL   a server name and its MCP endpoint URL (repeatable)
  --api-key-env VAR   send "Authorization: Bearer <key>", with the key read from env var VAR`;

/** Parses CLI arguments into options. Throws ClaudeConfigError with a usage hint on bad input. */
export function parseClaudeConfigArgs(argv: string[]): ClaudeDesktopOptions | "help" {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    throw new ClaudeConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (parsed.values.help) return "help";
  const servers = (parsed.values.server ?? []).map((pair): ClaudeServer => {
    const equals = pair.indexOf("=");
    if (equals <= 0) {
      throw new ClaudeConfigError(
        `--server "${pair}" must look like NAME=URL, e.g. product=https://x/product/mcp.`,
      );
    }
    return { name: pair.slice(0, equals), url: pair.slice(equals + 1) };
  });
  const apiKeyEnvVar = parsed.values["api-key-env"];
  return apiKeyEnvVar === undefined ? { servers } : { servers, apiKeyEnvVar };
}

function parseCliArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      server: { type: "string", multiple: true },
      "api-key-env": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

if (import.meta.main) {
  try {
    const options = parseClaudeConfigArgs(process.argv.slice(2));
    if (options === "help") {
      console.log(USAGE);
    } else {
      console.log(JSON.stringify(claudeDesktopConfig(options), null, 2));
    }
  } catch (error) {
    if (!(error instanceof ClaudeConfigError)) throw error;
    console.error(`claude-config: ${error.message}`);
    process.exit(2);
  }
}
