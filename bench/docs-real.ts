/** The part of docs/performance.md that leads: the real-client cases and how their requests were captured. */
import { CAPTURED_CLIENTS, loadFixture } from "./capture/fixtures.ts";
import type { CaseResult } from "./measure.ts";
import type { BenchReport } from "./report.ts";
import { REAL_PRODUCT_CASES } from "./targets.ts";

function row(item: CaseResult, extra: string[] = []): string {
  const cells = [
    item.label,
    item.requestsPerSecond.toLocaleString("en-US"),
    item.latencyMs.p50,
    item.latencyMs.p99,
    item.errors.total,
    item.cpuMsPerRequest,
    item.rssMb.underLoad,
    ...extra,
  ];
  return `| ${cells.join(" | ")} |`;
}

function capturedTable(): string {
  const rows = CAPTURED_CLIENTS.map((client) => {
    const fixture = loadFixture(client);
    return `| [${client}](../bench/requests/${client}.json) | ${fixture.package} | ${fixture.runtime} | ${fixture.protocolVersion} | ${fixture.capturedHow} |`;
  });
  return [
    "| fixture | client | ran on | protocol | how it was captured |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

export function renderRealClientSection(report: BenchReport): string {
  const byId = new Map(report.cases.map((item) => [item.id, item]));
  const productRows = report.realClientRatios.flatMap((ratio) => {
    const item = byId.get(ratio.case);
    if (!item) return [];
    return [row(item, [`${ratio.overFasterPeer.toFixed(1)}×`, `${(ratio.overCeiling * 100).toFixed(1)}%`])];
  });
  const orderRows = report.cases
    .filter((item) => item.id.startsWith("real-create-"))
    .map((item) => row(item));
  const clientsPart = report.clients
    ? renderClients(report)
    : "_The SDK v2 clients could not run: see the notes._\n";
  const missing = REAL_PRODUCT_CASES.filter((id) => !byId.has(id));
  return `## Real-client cases

Every request below is what a real client sends, byte for byte: method, path, every header in the
client's order and case, and the body (\`_meta\` included). bench/capture/capture.test.ts drives each
client against the compiled services through a recording TCP proxy on loopback, commits what it saw in
[bench/requests/](../bench/requests), and fails when a fresh capture differs (only the Host port,
session id, Content-Length, JSON-RPC id and idempotency key may change), so a client upgrade that changes
its requests shows up. The benchmark replays those bytes with wrk, replacing only the Host port, the
session id, Content-Length, the JSON-RPC id (unique per request: a client never sends two calls with
one id) and create_order's idempotency key (unique per request). 2025-11-25 sessions are opened first
with the client's own captured \`initialize\` and \`notifications/initialized\`; all ${report.settings.connections}
connections then share that session, as one client's concurrent calls do, and the GET stream both
clients open after the handshake (captured too) is held open and read while the case runs.

${capturedTable()}

The "stateless 2025" rows send SDK v1's captured call without its \`Mcp-Session-Id\`: what that client
sends to a server that gave it no session (both Accept types, \`MCP-Protocol-Version: 2025-11-25\`).

| case | requests/s | p50 ms | p99 ms | errors | server CPU ms/request | RSS under load MB | × faster peer | % of ceiling |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${productRows.join("\n")}
${missing.length ? `\n_not measured: ${missing.join(", ")}_\n` : ""}
The faster peer in this run was **${report.realClientRatios[0]?.fasterPeer ?? "none"}**; the ceiling and the peers are in the reference table below.

| create_order | requests/s | p50 ms | p99 ms | errors | server CPU ms/request | RSS under load MB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${orderRows.join("\n")}

${clientsPart}`;
}

function renderClients(report: BenchReport): string {
  const clients = report.clients;
  if (!clients) return "";
  return `**${clients.label}**, for ${report.settings.seconds} s after a ${report.settings.warmupSeconds} s warm-up, each
waiting for its answer before the next call, latency as \`callTool()\` returns it (the client's own
output-schema validation included):

| server | calls/s | p50 ms | p99 ms | max ms | errors | server RSS MB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| product-service | ${clients.ours.callsPerSecond.toLocaleString("en-US")} | ${clients.ours.latencyMs.p50} | ${clients.ours.latencyMs.p99} | ${clients.ours.latencyMs.max} | ${clients.ours.errors} | ${clients.ours.serverRssMb} |
| ceiling (product-service's own answers, canned) | ${clients.ceiling.callsPerSecond.toLocaleString("en-US")} | ${clients.ceiling.latencyMs.p50} | ${clients.ceiling.latencyMs.p99} | ${clients.ceiling.latencyMs.max} | ${clients.ceiling.errors} | ${clients.ceiling.serverRssMb} |

Against product-service the clients reach **${(clients.oursOverCeiling * 100).toFixed(1)}%** of what they reach against the ceiling.
When the two rows are close, the clients themselves (one Node process on one core: the SDK's request
building, its output validation, undici) are the limit, not the server.
`;
}
