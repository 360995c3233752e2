import { expect, test } from "bun:test";
import { ApiKeySet, keyRecordSchema } from "./api-keys.ts";
import { runKeysCommand } from "./keys-command.ts";

function run(argv: string[]): { code: number; out: string[]; err: string } {
  const out: string[] = [];
  let err = "";
  const code = runKeysCommand(argv, { out: (line) => out.push(line), err: (line) => (err += line) });
  return { code, out, err };
}

test("keys create prints a key once and a record that authenticates it", () => {
  const { code, out } = run([
    "create",
    "--principal",
    "alice",
    "--scopes",
    "orders:read,orders:write",
    "--expires-at",
    "2030-06-01T00:00:00Z",
  ]);
  expect(code).toBe(0);
  const key = out[1] ?? "";
  expect(key).toMatch(/^rmcp_[A-Za-z0-9_-]{43}$/);
  const record = keyRecordSchema.parse(JSON.parse(out[4] ?? ""));
  expect(record).toMatchObject({
    principal: "alice",
    scopes: ["orders:read", "orders:write"],
    expires_at: "2030-06-01T00:00:00.000Z",
  });
  expect(out[4]).not.toContain(key);
  expect(new ApiKeySet([record]).lookup(key, Date.parse("2030-01-01T00:00:00Z"))).toMatchObject({ ok: true });
});

test("bad usage exits 2 with the reason and the usage line", () => {
  expect(run(["create", "--scopes", "orders:read"])).toMatchObject({
    code: 2,
    err: expect.stringContaining("--principal is required"),
  });
  expect(run(["create", "--principal", "a", "--scopes", "orders:delete"]).err).toContain(
    "unknown: orders:delete",
  );
  expect(run(["create", "--principal", "a", "--scopes", "orders:read", "--expires-at", "soon"]).code).toBe(2);
  expect(run(["rotate"]).err).toContain('unknown subcommand "rotate"');
  expect(run(["create", "--bogus"]).code).toBe(2);
});
