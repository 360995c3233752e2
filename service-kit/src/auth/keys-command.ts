/**
 * `<service> keys create --principal P --scopes products:read,orders:read [--expires-at ISO]`: makes
 * a key, prints it once (it is never stored), and prints the record to add to the SSM parameter.
 */
import { parseArgs } from "node:util";
import { createApiKey } from "./api-keys.ts";
import { ALL_SCOPES } from "./principal.ts";

const USAGE = `Usage: keys create --principal P --scopes ${ALL_SCOPES.join(",")} [--expires-at 2027-01-01T00:00:00Z]`;

export interface KeysOutput {
  out(line: string): void;
  err(line: string): void;
}

const console_: KeysOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Returns the exit code: 0 done, 2 bad usage. */
export function runKeysCommand(argv: string[], io: KeysOutput = console_): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`keys: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const { subcommand, principal, scopes, expiresAt } = parsed;
  if (subcommand !== "create") {
    io.err(`keys: unknown subcommand "${subcommand ?? ""}"\n${USAGE}`);
    return 2;
  }
  if (!principal || !/^[A-Za-z0-9@._:-]{1,256}$/.test(principal)) {
    io.err(`keys: --principal is required (letters, digits and @._:- only)\n${USAGE}`);
    return 2;
  }
  const list = (scopes ?? "")
    .split(",")
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = list.filter((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
  if (list.length === 0 || unknown.length > 0) {
    io.err(
      `keys: --scopes must list some of ${ALL_SCOPES.join(", ")}${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`,
    );
    return 2;
  }
  if (
    expiresAt !== undefined &&
    (Number.isNaN(Date.parse(expiresAt)) || !/^\d{4}-\d\d-\d\dT/.test(expiresAt))
  ) {
    io.err(`keys: --expires-at must be an ISO date-time such as 2027-01-01T00:00:00Z`);
    return 2;
  }
  const { key, record } = createApiKey(principal, list, expiresAt && new Date(expiresAt).toISOString());
  io.out(`API key for ${principal} (shown once; it is not stored anywhere):`);
  io.out(key);
  io.out("");
  io.out("Record to add to the JSON list in the API_KEYS_SSM_PARAMETER SecureString:");
  io.out(JSON.stringify(record));
  return 0;
}

function parse(argv: string[]): {
  subcommand?: string;
  principal?: string;
  scopes?: string;
  expiresAt?: string;
} {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { principal: { type: "string" }, scopes: { type: "string" }, "expires-at": { type: "string" } },
  });
  return {
    subcommand: positionals[0],
    principal: values.principal,
    scopes: values.scopes,
    expiresAt: values["expires-at"],
  };
}
