/**
 * Picks JSON or SSE for a POST from the Accept header. The SDK transport insists on both types being
 * listed; we also serve clients that list only one, and let q-values express a preference. A client
 * that lists both with equal weight (every SDK client, mcp-remote) leaves the choice to the server:
 * "either", settled per request by whether the call needs a stream (see settleResponseMode).
 */
export type ResponseMode = "json" | "sse";

/** What the client accepts: one mode, or both with equal weight. */
export type AcceptedMode = ResponseMode | "either";

interface Preference {
  q: number;
  position: number;
}

function preferenceFor(accept: string, type: string): Preference | undefined {
  let best: Preference | undefined;
  accept.split(",").forEach((part, position) => {
    const [rawType, ...params] = part.trim().split(";");
    const mediaType = rawType?.trim().toLowerCase();
    if (mediaType !== type && mediaType !== "*/*" && mediaType !== `${type.split("/")[0]}/*`) return;
    const qParam = params.find((param) => param.trim().startsWith("q="));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    if (!best || q > best.q) best = { q, position };
  });
  return best;
}

// A client sends the same Accept header on every request: remember the answer for a few of them.
const modeByAccept = new Map<string, AcceptedMode | undefined>();

/** Returns the mode(s) the client accepts, or undefined when it accepts neither type. */
export function chooseResponseMode(accept: string | null): AcceptedMode | undefined {
  if (accept === null) return "json";
  if (modeByAccept.has(accept)) return modeByAccept.get(accept);
  const mode = modeFor(accept);
  if (modeByAccept.size < 64 && accept.length <= 256) modeByAccept.set(accept, mode);
  return mode;
}

function modeFor(accept: string): AcceptedMode | undefined {
  if (accept.trim() === "") return "json";
  const json = preferenceFor(accept, "application/json");
  const sse = preferenceFor(accept, "text/event-stream");
  if (!json && !sse) return undefined;
  if (!sse) return "json";
  if (!json) return "sse";
  if (json.q !== sse.q) return json.q > sse.q ? "json" : "sse";
  return "either";
}

/**
 * The mode to answer in. When the client accepts both, a call that sends nothing before its result is
 * answered in JSON (the spec lets the server choose): no stream to open, no event to store. SSE is kept
 * for the calls that need it, so progress and server-to-client requests can reach the client.
 */
export function settleResponseMode(accepted: AcceptedMode, needsStream: boolean): ResponseMode {
  if (accepted !== "either") return accepted;
  return needsStream ? "sse" : "json";
}

export const FULL_ACCEPT = "application/json, text/event-stream";
