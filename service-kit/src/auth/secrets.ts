/**
 * Secrets a service needs at start (the internal service token): a plain value locally, an SSM
 * SecureString in the cloud. Resolved once at start; failing closed with one line if neither works.
 */
import { timingSafeEqual } from "node:crypto";
import { createSsmClient, readSecureString, type SsmOptions } from "./ssm-client.ts";

export interface SecretSource extends SsmOptions {
  /** Variable name, for messages (e.g. "INTERNAL_TOKEN"). */
  name: string;
  value?: string | undefined;
  ssmParameter?: string | undefined;
}

/** The SSM parameter wins when both are set, so a stray local value cannot shadow the cloud one. */
export async function resolveSecret(source: SecretSource): Promise<string> {
  if (source.ssmParameter) {
    return readSecureString(await createSsmClient(source), source.ssmParameter);
  }
  if (source.value) return source.value;
  throw new Error(
    `${source.name} is not set: set ${source.name}_SSM_PARAMETER (cloud) or ${source.name} (local)`,
  );
}

/** Like resolveSecret, but undefined when neither the value nor the parameter is set (local runs). */
export async function resolveOptionalSecret(source: SecretSource): Promise<string | undefined> {
  if (!source.ssmParameter && !source.value) return undefined;
  return resolveSecret(source);
}

export interface InternalTokenConfig {
  INTERNAL_TOKEN?: string | undefined;
  INTERNAL_TOKEN_SSM_PARAMETER?: string | undefined;
  AWS_REGION?: string | undefined;
  SSM_ENDPOINT?: string | undefined;
}

/**
 * The service token between order-service and product-service: from SSM in the cloud
 * (INTERNAL_TOKEN_SSM_PARAMETER), from INTERNAL_TOKEN locally; read once at start.
 */
export function resolveInternalToken(config: InternalTokenConfig): Promise<string | undefined> {
  return resolveOptionalSecret({
    name: "INTERNAL_TOKEN",
    value: config.INTERNAL_TOKEN,
    ssmParameter: config.INTERNAL_TOKEN_SSM_PARAMETER,
    region: config.AWS_REGION,
    endpoint: config.SSM_ENDPOINT,
  });
}

/** Does the request carry `Authorization: Bearer <expected>`? Compared in constant time. */
export function hasBearerToken(request: Request, expected: string): boolean {
  const presented = bearerTokenOf(request);
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing b with itself keeps the time independent of a.
  return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(b, b);
}

/** The token of an `Authorization: Bearer …` header (scheme case-insensitive), if there is one. */
export function bearerTokenOf(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}
