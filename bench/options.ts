/** Command-line options of `bun run bench`. */

export interface BenchOptions {
  seconds: number;
  connections: number;
  json: boolean;
}

export const USAGE = `Usage: bun run bench [-- --seconds N] [--connections N] [--json]
  --seconds N       measured seconds per case (default 10)
  --connections N   concurrent keep-alive connections (default 32)
  --json            print the report as one JSON object on stdout; progress goes to stderr`;

function positiveInt(flag: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(
      `${flag} needs a whole number from 1 to ${max} (got ${raw === undefined ? "nothing" : `"${raw}"`})`,
    );
  }
  return value;
}

/** Parses argv; throws an Error whose message says what was wrong and shows the usage. */
export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { seconds: 10, connections: 32, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") options.json = true;
    else if (arg === "--seconds") options.seconds = positiveInt("--seconds", argv[++i], 3600);
    else if (arg === "--connections") options.connections = positiveInt("--connections", argv[++i], 10_000);
    else if (arg === "--") continue;
    else throw new Error(`unknown option "${arg}"\n${USAGE}`);
  }
  return options;
}
