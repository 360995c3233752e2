/** Per-request facts that the log line and downstream calls need. */
import type { Principal } from "../auth/principal.ts";
import type { RpcSummary } from "../mcp/json-rpc.ts";

export interface RequestContext {
  requestId: string;
  startedAt: number;
  principal?: Principal;
  rpc?: RpcSummary;
  /** Extra fields for the request log line, e.g. an order outcome. */
  fields: Record<string, unknown>;
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a caller's X-Request-Id when it is sane, so one id follows a request across services. */
export function newRequestContext(request: Request): RequestContext {
  const incoming = request.headers.get("x-request-id");
  return {
    requestId: incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID(),
    startedAt: performance.now(),
    fields: {},
  };
}
