/**
 * `bun run test` (and `npm test`): the whole suite. Compiles the service binaries that the
 * black-box tests run, runs `bun test`, then the MCP conformance suite, and ends with one line
 * `N passed, N failed` over all of them. Extra arguments go to `bun test` (e.g. a path filter).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type PostgresServer, startPostgres } from "../test/support/postgres.ts";
import { ensureTestPackages } from "./system-packages.ts";

const root = join(import.meta.dir, "..");
const extraArgs = process.argv.slice(2);

interface Tally {
  passed: number;
  failed: number;
}

async function run(
  label: string,
  argv: string[],
  parse: (output: string) => Tally,
): Promise<Tally & { code: number }> {
  console.log(
    `\n── ${label}: ${argv.map((arg) => (arg.startsWith(root) ? arg.slice(root.length + 1) : arg)).join(" ")}`,
  );
  const proc = Bun.spawn(argv, { cwd: root, stdout: "pipe", stderr: "pipe", env: process.env });
  let output = "";
  const relay = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream): Promise<void> => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      output += text;
      sink.write(text);
    }
  };
  await Promise.all([relay(proc.stdout, process.stdout), relay(proc.stderr, process.stderr), proc.exited]);
  const code = proc.exitCode ?? 1;
  const tally = parse(output);
  // A step that failed without reporting a failed test still counts as one failure.
  if (code !== 0 && tally.failed === 0) tally.failed = 1;
  return { ...tally, code };
}

function bunTestTally(output: string): Tally {
  const passed = Number(/^\s*(\d+) pass$/m.exec(output)?.[1] ?? 0);
  const failed = Number(/^\s*(\d+) fail$/m.exec(output)?.[1] ?? 0);
  return { passed, failed };
}

function plainTally(output: string): Tally {
  const matches = [...output.matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed/gm)];
  const last = matches.at(-1);
  return { passed: Number(last?.[1] ?? 0), failed: Number(last?.[2] ?? 0) };
}

ensureTestPackages();

// One PostgreSQL for the whole run (CI passes its own in TEST_DATABASE_URL).
let postgres: PostgresServer | undefined;
if (!process.env.TEST_DATABASE_URL && Bun.which("dpkg-query")) {
  try {
    postgres = await startPostgres();
    postgres.stopWhenProcessEnds?.(process.pid);
    process.env.TEST_DATABASE_URL = postgres.url;
    console.log(`PostgreSQL for the tests at ${postgres.url}`);
  } catch (error) {
    console.error(`could not start PostgreSQL: ${(error as Error).message}`);
  }
}

const totals: Tally = { passed: 0, failed: 0 };
let failedSteps = 0;
const add = (result: Tally & { code: number }): void => {
  totals.passed += result.passed;
  totals.failed += result.failed;
  if (result.code !== 0) failedSteps += 1;
};

const build = await run("build", [process.execPath, join(root, "scripts", "build.ts")], () => ({
  passed: 0,
  failed: 0,
}));
add(build);
if (build.code === 0) {
  add(await run("bun test", [process.execPath, "test", "--timeout", "120000", ...extraArgs], bunTestTally));
  const conformance = join(root, "scripts", "conformance.ts");
  if (extraArgs.length === 0 && existsSync(conformance)) {
    add(await run("conformance", [process.execPath, conformance], plainTally));
  }
}
await postgres?.stop();
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedSteps > 0 || totals.failed > 0 ? 1 : 0);
