/**
 * Picks JSON or SSE for a POST from the Accept header. The SDK transport insists on both types being
 * listed; we also serve clients that list only one, and let q-values or order express a preference.
 */
export type ResponseMode = "json" | "sse";

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
const modeByAccept = new Map<string, ResponseMode | undefined>();

/** Returns the mode to answer in, or undefined when the client accepts neither type. */
export function chooseResponseMode(accept: string | null): ResponseMode | undefined {
  if (accept === null) return "json";
  if (modeByAccept.has(accept)) return modeByAccept.get(accept);
  const mode = modeFor(accept);
  if (modeByAccept.size < 64 && accept.length <= 256) modeByAccept.set(accept, mode);
  return mode;
}

function modeFor(accept: string): ResponseMode | undefined {
  if (accept.trim() === "") return "json";
  const json = preferenceFor(accept, "application/json");
  const sse = preferenceFor(accept, "text/event-stream");
  if (!json && !sse) return undefined;
  if (!sse) return "json";
  if (!json) return "sse";
  if (json.q !== sse.q) return json.q > sse.q ? "json" : "sse";
  // Both listed with equal weight: SSE, the transport's default, so progress and server requests
  // made during a tool call can reach the client.
  return "sse";
}

export const FULL_ACCEPT = "application/json, text/event-stream";
