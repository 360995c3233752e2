/**
 * `bun run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance, pinned
 * in package.json) against every server we ship, on free loopback ports.
 * - the fixture server (fixtures/conformance-server, a service-kit service): the whole 2026-07-28 and
 *   2025-11-25 requirement sets (`--requirements`), with no expected-failures file; scenarios a set runs
 *   but does not score (pending, the Tasks extension) are shown and never fail the run;
 * - each service whose `src/main.ts` exists (compiled binary), once per protocol era (2026-07-28 and
 *   2025-11-25): the scenarios that need no fixture tools, limited to the features the server declares
 *   (see conformance-plan.ts);
 * - all of the above again as two instances on one database behind nginx round-robin (needs nginx).
 * Prints a summary per server and exits 1 on any failed check or scenario. The suite runs under the
 * pinned Bun (`process.execPath`): it crashes on Node 20.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProxy } from "../test/support/proxy.ts";
import { type ServiceName, startService } from "../test/support/service-process.ts";
import { startFixture } from "./conformance-fixture.ts";
import { ERAS, type Era, serviceScenarios } from "./conformance-plan.ts";

export { FIXTURE_MAIN, type RunningServer, startFixture } from "./conformance-fixture.ts";

const root = join(import.meta.dir, "..");
const SUITE_CLI = join(root, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const SERVICES: readonly ServiceName[] = ["product-service", "order-service"];

export interface ScenarioResult {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  /** Names and messages of failed checks, or why the scenario could not run. */
  problems: string[];
  /** False for a scenario the requirement set runs but does not score (pending, extension): shown, never fatal. */
  scored: boolean;
}

export interface ServerReport {
  server: string;
  era: Era;
  url: string;
  results: ScenarioResult[];
  /** Scenarios left out because the server does not declare the feature. */
  notDeclared: string[];
}

interface Check {
  id?: string;
  name?: string;
  status?: string;
  errorMessage?: string;
}

/**
 * Runs one scenario at the wire of protocol revision `era`, or a revision's whole requirement set when
 * `selection` is "requirements:<revision>", and reads its checks.
 */
export async function runScenarios(
  url: string,
  selection: string,
  era: Era,
  timeoutMs = 300_000,
): Promise<ScenarioResult[]> {
  const out = mkdtempSync(join(tmpdir(), "conformance-"));
  try {
    const which = selection.startsWith("requirements:")
      ? ["--requirements", selection.slice("requirements:".length)]
      : ["--scenario", selection, "--spec-version", era];
    const child = Bun.spawn([process.execPath, SUITE_CLI, "server", "--url", url, ...which, "-o", out], {
      cwd: out,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    clearTimeout(timer);
    const unscored = notScored(stdout);
    const results = readdirSync(out)
      .filter((dir) => dir.startsWith("server-"))
      .map((dir) => readResult(join(out, dir)))
      .map((result) => ({ ...result, scored: !unscored.has(result.scenario) }));
    if (results.length === 0 || code !== 0) {
      const failedAlready = results.some((result) => result.failed > 0 && result.scored);
      if (!failedAlready) {
        results.push({
          scenario: selection,
          passed: 0,
          failed: 1,
          warnings: 0,
          problems: [`the suite exited with ${code}: ${lastLines(`${stdout}\n${stderr}`, 8)}`],
          scored: true,
        });
      }
    }
    return results.sort((a, b) => a.scenario.localeCompare(b.scenario));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function readResult(dir: string): ScenarioResult {
  // Directory names look like server-<scenario>-<ISO timestamp>.
  const scenario = (dir.split("/").pop() ?? dir)
    .replace(/^server-/, "")
    .replace(/-\d{4}-\d{2}-\d{2}T.*$/, "");
  const file = join(dir, "checks.json");
  if (!existsSync(file))
    return {
      scenario,
      passed: 0,
      failed: 1,
      warnings: 0,
      problems: ["no checks.json written"],
      scored: true,
    };
  const checks = JSON.parse(readFileSync(file, "utf8")) as Check[];
  const problems = checks
    .filter((check) => check.status === "FAILURE")
    .map((check) => `${check.name ?? check.id}: ${check.errorMessage ?? "failed"}`);
  return {
    scenario,
    passed: checks.filter((check) => check.status === "SUCCESS").length,
    failed: problems.length,
    warnings: checks.filter((check) => check.status === "WARNING").length,
    problems,
    scored: true,
  };
}

/** The scenarios a requirement run lists under "Not scored for <revision>: …" (`  ✓ name (why)`). */
function notScored(stdout: string): Set<string> {
  const block = stdout.split(/^Not scored for .*$/m)[1] ?? "";
  return new Set([...block.matchAll(/^\s+[✓✗] (\S+) \(/gm)].map((match) => match[1] as string));
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join(" | ");
}

/** Where a server runs: alone, or as two instances on one database behind nginx's round-robin. */
type Topology = "single" | "two instances behind nginx";

/** Puts nginx in front of the instances when there are several; returns the URL clients use. */
async function front(urls: string[], stops: (() => Promise<void>)[]): Promise<string> {
  const first = urls[0] as string;
  if (urls.length === 1) return first;
  const proxy = await startProxy({
    routes: [{ prefix: "/", upstreams: urls.map((url) => new URL(url).host) }],
  });
  stops.unshift(() => proxy.stop());
  return `${proxy.url}${new URL(first).pathname}`;
}

const replicas = (topology: Topology): number => (topology === "single" ? 1 : 2);
const label = (name: string, topology: Topology): string =>
  topology === "single" ? name : `${name} (${topology})`;

async function checkFixture(topology: Topology): Promise<ServerReport[]> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const env = {
      DATABASE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), "conformance-db-")), "fixture.sqlite")}`,
      // Both instances must verify the input_required state the other one signed.
      MCP_STATE_KEY: `${crypto.randomUUID()}${crypto.randomUUID()}`,
    };
    const urls: string[] = [];
    for (let index = 0; index < replicas(topology); index++) {
      const fixture = await startFixture(env);
      stops.push(() => fixture.stop());
      urls.push(fixture.url);
    }
    const url = await front(urls, stops);
    const reports: ServerReport[] = [];
    for (const era of ERAS) {
      const results = await runScenarios(url, `requirements:${era}`, era);
      reports.push({ server: label("conformance-fixture", topology), era, url, results, notDeclared: [] });
    }
    return reports;
  } finally {
    for (const stop of stops) await stop();
  }
}

async function checkServices(topology: Topology): Promise<ServerReport[]> {
  const present = SERVICES.filter((service) => existsSync(join(root, service, "src", "main.ts")));
  const token = crypto.randomUUID();
  const reports: ServerReport[] = [];
  const stops: (() => Promise<void>)[] = [];
  let productUrl = "http://127.0.0.1:9";
  try {
    for (const service of present) {
      const databaseUrl = `sqlite://${join(mkdtempSync(join(tmpdir(), "conformance-db-")), `${service}.sqlite`)}`;
      const urls: string[] = [];
      for (let index = 0; index < replicas(topology); index++) {
        // order-service is pointed at the product-service started before it.
        const handle = await startService(service, {
          databaseUrl,
          env: { LOG_LEVEL: "warn", INTERNAL_TOKEN: token, PRODUCT_SERVICE_URL: productUrl },
        });
        stops.push(async () => void (await handle.stop()));
        urls.push(handle.mcpUrl);
        if (service === "product-service") productUrl = `http://127.0.0.1:${handle.port}`;
      }
      const url = await front(urls, stops);
      for (const era of ERAS) {
        const plan = await serviceScenarios(url, era);
        const results: ScenarioResult[] = [];
        for (const scenario of plan.run) results.push(...(await runScenarios(url, scenario, era)));
        reports.push({ server: label(service, topology), era, url, results, notDeclared: plan.notDeclared });
      }
    }
  } finally {
    for (const stop of stops) await stop();
  }
  return reports;
}

const fatal = (result: ScenarioResult): boolean => result.failed > 0 && result.scored;

export function formatReport(report: ServerReport): string {
  const lines = [`${report.server}, protocol ${report.era} (${report.url})`];
  for (const result of report.results) {
    const mark = result.failed === 0 ? "ok  " : result.scored ? "FAIL" : "n/s ";
    const warn = result.warnings > 0 ? `, ${result.warnings} warning(s)` : "";
    const note = result.scored ? "" : " (not scored)";
    lines.push(
      `  ${mark} ${result.scenario}${note}: ${result.passed} passed, ${result.failed} failed${warn}`,
    );
    for (const problem of result.problems) lines.push(`       ${problem}`);
  }
  if (report.notDeclared.length > 0)
    lines.push(`  not declared by the server: ${report.notDeclared.join(", ")}`);
  const scored = report.results.filter((result) => result.scored);
  const failed = scored.filter(fatal).length;
  const unscored = report.results.length - scored.length;
  const unscoredPassed = report.results.filter((result) => !result.scored && result.failed === 0).length;
  const extra = unscored > 0 ? `; not scored: ${unscoredPassed}/${unscored} passed` : "";
  lines.push(`  => ${scored.length - failed}/${scored.length} scenarios passed${extra}`);
  return lines.join("\n");
}

if (import.meta.main) {
  const started = performance.now();
  const reports: ServerReport[] = [];
  // A client must not notice which task answers: the same scenarios run against one instance and
  // against two instances that share a database behind a round-robin proxy (as behind the ALB).
  for (const topology of ["single", "two instances behind nginx"] as const) {
    reports.push(...(await checkFixture(topology)), ...(await checkServices(topology)));
  }
  for (const report of reports) console.log(formatReport(report));
  // Scenarios a requirement set runs but does not score are shown above and not counted here.
  const results = reports.flatMap((report) => report.results).filter((result) => result.scored);
  const failed = results.filter(fatal).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  // One scenario on one server counts once; scripts/test.ts adds this line to the suite's total.
  console.log(
    `conformance: ${results.length - failed} passed, ${failed} failed (${reports.length} servers, ${seconds} s)`,
  );
  if (failed > 0) {
    console.error("conformance: failed scenarios are marked FAIL above, with the checks that failed.");
    process.exit(1);
  }
}
