/**
 * The targets of issue 15, computed from one run: each real-client case against the faster peer and
 * the ceiling, the 32 SDK v2 clients against the same clients on the ceiling, and create_order as
 * real clients send it on SQLite and PostgreSQL. A target that could not be measured here is null.
 */
import type { ClientCase } from "./client-cases.ts";
import type { CaseResult } from "./measure.ts";
import { REAL_WAYS, realCaseId } from "./real-cases.ts";

export interface TargetResult {
  name: string;
  target: string;
  actual: string;
  /** null when the case could not run here (the reason is in notes). */
  met: boolean | null;
}

/** One real-client case compared with the faster peer and the ceiling of the same run. */
export interface RealClientRatio {
  case: string;
  overFasterPeer: number;
  fasterPeer: string;
  overCeiling: number;
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 1000) / 1000 : 0;
}

export const REAL_PRODUCT_CASES: string[] = (["get_product", "search_products"] as const).flatMap((tool) =>
  REAL_WAYS.map((way) => realCaseId(tool, way)),
);

export function fasterPeerOf(cases: CaseResult[]): CaseResult | undefined {
  const peers = cases.filter((item) => item.id === "peer" || item.id === "peer-v2");
  return [...peers].sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
}

export function realClientRatios(cases: CaseResult[]): RealClientRatio[] {
  const peer = fasterPeerOf(cases);
  const ceiling = cases.find((item) => item.id === "ceiling");
  return cases
    .filter((item) => REAL_PRODUCT_CASES.includes(item.id))
    .map((item) => ({
      case: item.id,
      overFasterPeer: ratio(item.requestsPerSecond, peer?.requestsPerSecond ?? 0),
      fasterPeer: peer?.id ?? "none",
      overCeiling: ratio(item.requestsPerSecond, ceiling?.requestsPerSecond ?? 0),
    }));
}

const REAL_CASE_TARGET = ">= 10x faster peer, >= 25% of ceiling, p99 <= 10 ms, 0 errors, RSS <= 150 MB";

function realCaseTarget(item: CaseResult, found: RealClientRatio): TargetResult {
  const checks = [
    { ok: found.overFasterPeer >= 10, text: `${found.overFasterPeer.toFixed(1)}x ${found.fasterPeer}` },
    { ok: found.overCeiling >= 0.25, text: `${(found.overCeiling * 100).toFixed(1)}% of ceiling` },
    { ok: item.latencyMs.p99 <= 10, text: `p99 ${item.latencyMs.p99} ms` },
    { ok: item.errors.total === 0, text: `${item.errors.total} errors` },
    { ok: item.rssMb.underLoad <= 150, text: `RSS ${item.rssMb.underLoad} MB` },
  ];
  const failed = checks.filter((check) => !check.ok).length;
  return {
    name: `${item.id} (${item.requestsPerSecond} req/s)`,
    target: REAL_CASE_TARGET,
    actual: `${checks.map((check) => `${check.text}${check.ok ? "" : " ✗"}`).join(", ")}${failed ? ` (${failed} of 5 missed)` : ""}`,
    met: failed === 0,
  };
}

function orderTargets(cases: CaseResult[], database: "sqlite" | "postgres", floor: number): TargetResult[] {
  return REAL_WAYS.map((way) => {
    const id = realCaseId("create_order", way, database);
    const item = cases.find((candidate) => candidate.id === id);
    const target = `>= ${floor} req/s, 0 errors`;
    if (!item) return { name: id, target, actual: "not measured (see notes)", met: null };
    return {
      name: id,
      target,
      actual: `${item.requestsPerSecond} req/s, ${item.errors.total} errors`,
      met: item.requestsPerSecond >= floor && item.errors.total === 0,
    };
  });
}

function clientsTarget(clients: ClientCase | undefined): TargetResult {
  const name = "32 SDK v2 clients, get_product: ours vs the same clients on the ceiling";
  const target = ">= 50%, 0 errors";
  if (!clients) return { name, target, actual: "not measured (see notes)", met: null };
  return {
    name,
    target,
    actual: `${(clients.oursOverCeiling * 100).toFixed(1)}% (${clients.ours.callsPerSecond} vs ${clients.ceiling.callsPerSecond} calls/s), ${clients.ours.errors} errors`,
    met: clients.oursOverCeiling >= 0.5 && clients.ours.errors === 0,
  };
}

export function realClientTargets(cases: CaseResult[], clients: ClientCase | undefined): TargetResult[] {
  const ratios = realClientRatios(cases);
  const product = REAL_PRODUCT_CASES.map((id): TargetResult => {
    const item = cases.find((candidate) => candidate.id === id);
    const found = ratios.find((candidate) => candidate.case === id);
    if (!item || !found) return { name: id, target: REAL_CASE_TARGET, actual: "not measured", met: null };
    return realCaseTarget(item, found);
  });
  return [
    ...product,
    clientsTarget(clients),
    ...orderTargets(cases, "sqlite", 1500),
    ...orderTargets(cases, "postgres", 1000),
  ];
}
