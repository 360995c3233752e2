/**
 * Liveness and readiness. `/health` never touches the database, so a database blip does not make the
 * load balancer kill healthy tasks; `/ready` says whether this task can do useful work right now.
 */
import type { Database } from "./db.ts";
import type { Logger } from "./log.ts";

export interface HealthState {
  service: string;
  version: string;
  db: Database;
  /** Set while draining on SIGTERM so the load balancer stops sending new work. */
  draining: () => boolean;
  readyTimeoutMs?: number;
  /** Where the database's own error goes: the log, never the (unauthenticated) answer. */
  log?: Logger;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export function livenessResponse(state: HealthState): Response {
  return json(200, { status: "ok", service: state.service, version: state.version });
}

export async function readinessResponse(state: HealthState): Promise<Response> {
  if (state.draining()) return json(503, { status: "draining", service: state.service });
  const timeoutMs = state.readyTimeoutMs ?? 2000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([state.db.ping(), timeout]);
    return json(200, { status: "ready", service: state.service, database: state.db.dialect });
  } catch (error) {
    state.log?.warn("not ready: the database did not answer", {
      error: error instanceof Error ? error.message : String(error),
    });
    return json(503, { status: "unavailable", service: state.service, reason: "database unavailable" });
  } finally {
    clearTimeout(timer);
  }
}
