/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), as the MCP authorization spec asks of a resource
 * server, and the `WWW-Authenticate: Bearer …` challenges (RFC 6750) that point clients at it.
 */
import { ALL_SCOPES } from "./principal.ts";

export interface ProtectedResource {
  /** This server's resource identifier: PUBLIC_URL + BASE_PATH + /mcp. */
  resource: string;
  authorizationServers: string[];
  /** Where the metadata is served, advertised in WWW-Authenticate. */
  metadataUrl: string;
}

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported: string[];
  bearer_methods_supported: ["header"];
  resource_name: string;
}

export function protectedResourceMetadata(info: ProtectedResource, name: string): ProtectedResourceMetadata {
  return {
    resource: info.resource,
    authorization_servers: info.authorizationServers,
    scopes_supported: [...ALL_SCOPES],
    bearer_methods_supported: ["header"],
    resource_name: name,
  };
}

/**
 * The paths the metadata is served at: the root well-known URI, its RFC 9728 path-suffixed form for
 * this resource, and the same under BASE_PATH, which the ALB's `/product/*` style rules route to this
 * service without an extra rule (and which is the URL advertised).
 */
export function protectedResourcePaths(basePath: string): string[] {
  const paths = [
    "/.well-known/oauth-protected-resource",
    `/.well-known/oauth-protected-resource${basePath}/mcp`,
    `${basePath}/.well-known/oauth-protected-resource`,
  ];
  return [...new Set(paths)];
}

export function protectedResourceFor(publicUrl: string, basePath: string, issuer: string): ProtectedResource {
  return {
    resource: `${publicUrl}${basePath}/mcp`,
    authorizationServers: [issuer],
    metadataUrl: `${publicUrl}${basePath}/.well-known/oauth-protected-resource`,
  };
}

export interface BearerChallenge {
  realm?: string;
  resourceMetadata?: string;
  error?: "invalid_token" | "invalid_request" | "insufficient_scope";
  description?: string;
  scope?: string;
}

/** Formats a `WWW-Authenticate` value; quotes and backslashes in values are escaped. */
export function bearerChallenge(challenge: BearerChallenge): string {
  const quote = (value: string): string => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  const params: string[] = [];
  if (challenge.realm) params.push(`realm=${quote(challenge.realm)}`);
  if (challenge.resourceMetadata) params.push(`resource_metadata=${quote(challenge.resourceMetadata)}`);
  if (challenge.error) params.push(`error=${quote(challenge.error)}`);
  if (challenge.description) params.push(`error_description=${quote(challenge.description)}`);
  if (challenge.scope) params.push(`scope=${quote(challenge.scope)}`);
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
}
