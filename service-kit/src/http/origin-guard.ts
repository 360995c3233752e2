/**
 * DNS-rebinding and cross-site protection for the MCP endpoint. A browser page on another site can
 * reach a server on 127.0.0.1; the Origin check stops it, and on loopback binds the Host check stops
 * a rebound domain name from passing as "local".
 */
import { isLoopbackHost, isLoopbackHostHeader } from "./loopback.ts";

export interface OriginPolicy {
  allowedOrigins: readonly string[];
  /** True when the server listens only on loopback, where Host must name loopback too. */
  loopbackBind: boolean;
}

export type GuardVerdict = { ok: true } | { ok: false; status: 403; message: string };

export function isOriginAllowed(origin: string, policy: OriginPolicy): boolean {
  if (policy.allowedOrigins.includes("*") || policy.allowedOrigins.includes(origin)) return true;
  if (!policy.loopbackBind) return false;
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

// A client sends the same Host on every request, and the verdict depends on nothing else: it is kept
// per value, for a bounded number of values, so a caller sending fresh ones only fills the cap.
const hostVerdicts = new Map<string, boolean>();
const HOST_VERDICTS_KEPT = 256;

function isLoopbackHostHeaderKept(host: string): boolean {
  let verdict = hostVerdicts.get(host);
  if (verdict === undefined) {
    verdict = isLoopbackHostHeader(host);
    if (hostVerdicts.size < HOST_VERDICTS_KEPT) hostVerdicts.set(host, verdict);
  }
  return verdict;
}

export function checkOriginAndHost(request: Request, policy: OriginPolicy): GuardVerdict {
  const origin = request.headers.get("origin");
  if (origin !== null && !isOriginAllowed(origin, policy)) {
    return {
      ok: false,
      status: 403,
      message: `Origin ${origin} is not allowed. Add it to ALLOWED_ORIGINS if this browser client is trusted.`,
    };
  }
  if (policy.loopbackBind) {
    const host = request.headers.get("host") ?? "";
    if (!isLoopbackHostHeaderKept(host)) {
      return {
        ok: false,
        status: 403,
        message: `Host ${host || "(missing)"} is not allowed on a loopback server; connect through localhost or 127.0.0.1.`,
      };
    }
  }
  return { ok: true };
}
