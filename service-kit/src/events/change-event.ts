/**
 * What the change bus carries: a resource that changed (`notifications/resources/updated`) or a resource
 * list that changed (`notifications/resources/list_changed`). An event with a `principal` concerns that
 * caller only (their orders); one without concerns everybody (the catalogue). The kit filters by it
 * before anything reaches a client, so a notification never crosses principals.
 */

export type ChangeEvent =
  | { kind: "resource_updated"; uri: string; principal?: string }
  | { kind: "resources_list_changed"; principal?: string };

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well under it. */
export const MAX_PAYLOAD_BYTES = 7000;

/** One compact JSON line per event (it travels in a NOTIFY payload). */
export function encodeChange(event: ChangeEvent): string {
  const wire: Record<string, string> = { k: event.kind === "resource_updated" ? "u" : "l" };
  if (event.kind === "resource_updated") wire.u = event.uri;
  if (event.principal !== undefined) wire.p = event.principal;
  const payload = JSON.stringify(wire);
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    throw new Error(
      `change event too large for NOTIFY (${Buffer.byteLength(payload)} bytes): ${payload.slice(0, 80)}…`,
    );
  }
  return payload;
}

/** The event in `payload`, or undefined for anything that is not one (another sender on the channel). */
export function decodeChange(payload: string): ChangeEvent | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof wire !== "object" || wire === null) return undefined;
  const { k, u, p } = wire as { k?: unknown; u?: unknown; p?: unknown };
  if (p !== undefined && typeof p !== "string") return undefined;
  const principal = p === undefined ? {} : { principal: p };
  if (k === "u" && typeof u === "string") return { kind: "resource_updated", uri: u, ...principal };
  if (k === "l") return { kind: "resources_list_changed", ...principal };
  return undefined;
}

/** Whether `event` may be shown to `principal`: their own events and everybody's. */
export function concerns(event: ChangeEvent, principal: string): boolean {
  return event.principal === undefined || event.principal === principal;
}

/**
 * The NOTIFY channel of one service. Channels are per database, and the services may share one (each in
 * its own schema), so the service name is part of it; PostgreSQL truncates identifiers at 63 bytes.
 */
export function changeChannel(service: string): string {
  return `mcp_changes_${service.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 63);
}
