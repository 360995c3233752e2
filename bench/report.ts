/**
 * The benchmark's result: its JSON shape, the ratios, and the targets: issue 15's real-client targets
 * first (bench/targets.ts), then issue 10's, which are about the JSON-only request.
 */
import type { ClientCase } from "./client-cases.ts";
import type { ColdStart } from "./cold-start.ts";
import type { CaseResult } from "./measure.ts";
import { type RealClientRatio, realClientTargets, type TargetResult } from "./targets.ts";

export type { TargetResult } from "./targets.ts";

export interface BenchReport {
  measuredAt: string;
  machine: {
    cpus: number;
    memoryMb: number;
    kernel: string;
    bun: string;
    node: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews figures. */
    loadAverage: { start: number; end: number };
    /** Which cores the servers and the load generator ran on (bench/pinning.ts). */
    pinning: string;
  };
  loadGenerator: { name: "wrk"; version: string; threads: number; timeoutSeconds: number };
  settings: {
    seconds: number;
    connections: number;
    warmupSeconds: number;
    /** Absent in reports from before the warm-up went by requests. */
    warmupRequests?: number;
    maxWarmupSeconds?: number;
  };
  cases: CaseResult[];
  /** 32 SDK v2 clients against product-service and against the ceiling (absent if they could not run: see notes). */
  clients?: ClientCase;
  /** Each real-client case against the faster peer and the ceiling of this run. */
  realClientRatios: RealClientRatio[];
  /** Cases that were not run, and why (a fact about this machine, e.g. "postgres: not configured"). */
  notes: string[];
  ratios: {
    case: string;
    oursOverCeiling: number;
    oursOverPeer: number;
    /** The same comparisons by server CPU per request (ceiling's or peer's CPU/request ÷ ours). */
    cpu: { oursOverCeiling: number; oursOverPeer: number };
  };
  coldStart: ColdStart;
  binarySizeMb: Record<string, number>;
  targets: TargetResult[];
}

export const OURS_CASE = "product-get-stateless";
export const CREATE_ORDER_SQLITE_CASE = "order-create-sqlite";

function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 1000) / 1000 : 0;
}

export function computeRatios(cases: CaseResult[]): BenchReport["ratios"] {
  const find = (id: string): CaseResult => {
    const found = cases.find((item) => item.id === id);
    if (!found) throw new Error(`case ${id} is missing from the results`);
    return found;
  };
  const ours = find(OURS_CASE);
  const ceiling = find("ceiling");
  const peer = find("peer");
  return {
    case: OURS_CASE,
    oursOverCeiling: ratio(ours.requestsPerSecond, ceiling.requestsPerSecond),
    oursOverPeer: ratio(ours.requestsPerSecond, peer.requestsPerSecond),
    cpu: {
      oursOverCeiling: ratio(ceiling.cpuMsPerRequest, ours.cpuMsPerRequest),
      oursOverPeer: ratio(peer.cpuMsPerRequest, ours.cpuMsPerRequest),
    },
  };
}

export function evaluateTargets(
  cases: CaseResult[],
  ratios: BenchReport["ratios"],
  coldStart: ColdStart,
  clients: ClientCase | undefined,
): TargetResult[] {
  return [...realClientTargets(cases, clients), ...jsonOnlyTargets(cases, ratios, coldStart)];
}

/** Issue 10's targets, on the JSON-only request (no common client sends it) and cold start. */
function jsonOnlyTargets(
  cases: CaseResult[],
  ratios: BenchReport["ratios"],
  coldStart: ColdStart,
): TargetResult[] {
  const ours = cases.find((item) => item.id === OURS_CASE);
  if (!ours) throw new Error(`case ${OURS_CASE} is missing from the results`);
  const order = cases.find((item) => item.id === CREATE_ORDER_SQLITE_CASE);
  const slowestStart = Math.max(coldStart.freshDbMs, coldStart.existingDbMs);
  return [
    {
      name: "JSON only: get_product vs ceiling",
      target: ">= 40% of raw Bun.serve",
      actual: `${(ratios.oursOverCeiling * 100).toFixed(1)}%`,
      met: ratios.oursOverCeiling >= 0.4,
    },
    {
      name: "JSON only: get_product vs SDK v1 peer",
      target: ">= 10x Node + Express + SDK",
      actual: `${ratios.oursOverPeer.toFixed(1)}x`,
      met: ratios.oursOverPeer >= 10,
    },
    {
      name: "JSON only: get_product p99",
      target: "<= 10 ms",
      actual: `${ours.latencyMs.p99} ms`,
      met: ours.latencyMs.p99 <= 10,
    },
    {
      name: "JSON only: get_product RSS under load",
      target: "<= 150 MB",
      actual: `${ours.rssMb.underLoad} MB`,
      met: ours.rssMb.underLoad <= 150,
    },
    {
      name: "JSON only: get_product errors",
      target: "0",
      actual: String(ours.errors.total),
      met: ours.errors.total === 0,
    },
    {
      name: "cold start to /ready (median)",
      target: "<= 150 ms",
      actual: `${coldStart.freshDbMs} ms fresh DB, ${coldStart.existingDbMs} ms existing DB`,
      met: slowestStart <= 150,
    },
    order
      ? {
          name: "JSON only: create_order on SQLite",
          target: ">= 1500 req/s, 0 errors",
          actual: `${order.requestsPerSecond} req/s, ${order.errors.total} errors`,
          met: order.requestsPerSecond >= 1500 && order.errors.total === 0,
        }
      : {
          name: "JSON only: create_order on SQLite",
          target: ">= 1500 req/s, 0 errors",
          actual: "not measured: order-service/src/main.ts does not exist yet",
          met: null,
        },
  ];
}

export function verdict(met: boolean | null): string {
  if (met === null) return "not measured";
  return met ? "met" : "not met";
}

/** A plain-text summary for the terminal. */
export function renderText(report: BenchReport): string {
  const lines = [
    `machine: ${report.machine.cpus} CPUs, ${report.machine.memoryMb} MB; wrk ${report.loadGenerator.version}, ` +
      `${report.settings.connections} connections, ${report.settings.seconds} s per case, load average ` +
      `${report.machine.loadAverage.start} → ${report.machine.loadAverage.end}`,
    "",
    pad(["case", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req", "RSS load MB", "RSS after MB"]),
    ...report.cases.map((item) =>
      pad([
        item.id,
        String(item.requestsPerSecond),
        String(item.latencyMs.p50),
        String(item.latencyMs.p99),
        String(item.errors.total),
        String(item.cpuMsPerRequest),
        String(item.rssMb.underLoad),
        String(item.rssMb.after),
      ]),
    ),
    ...report.notes.map((note) => `note: ${note}`),
    `pinning: ${report.machine.pinning}`,
    clientsLine(report.clients),
    "",
    `ours/ceiling ${report.ratios.oursOverCeiling}  ours/peer ${report.ratios.oursOverPeer}  (${report.ratios.case}; ` +
      `by CPU per request: ${report.ratios.cpu.oursOverCeiling} and ${report.ratios.cpu.oursOverPeer})`,
    `cold start: ${report.coldStart.freshDbMs} ms fresh DB, ${report.coldStart.existingDbMs} ms existing DB ` +
      `(CPU used by then: ${report.coldStart.cpuMs.freshDb} ms and ${report.coldStart.cpuMs.existingDb} ms)`,
    `binary size: ${Object.entries(report.binarySizeMb)
      .map(([name, mb]) => `${name} ${mb} MB`)
      .join(", ")}`,
    "",
    ...report.targets.map(
      (item) => `${verdict(item.met).padEnd(13)} ${item.name}: ${item.actual} (target ${item.target})`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

function clientsLine(clients: ClientCase | undefined): string {
  if (!clients) return "SDK v2 clients: not measured (see notes)";
  return (
    `${clients.label}: ours ${clients.ours.callsPerSecond} calls/s (p99 ${clients.ours.latencyMs.p99} ms, ` +
    `${clients.ours.errors} errors), against the ceiling ${clients.ceiling.callsPerSecond} calls/s ` +
    `(p99 ${clients.ceiling.latencyMs.p99} ms): ${(clients.oursOverCeiling * 100).toFixed(1)}%`
  );
}

function pad(cells: string[]): string {
  return cells.map((cell, index) => (index === 0 ? cell.padEnd(38) : cell.padStart(13))).join("");
}
