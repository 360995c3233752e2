import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FakeSsm, startFakeSsm } from "../../../test/support/fake-ssm.ts";
import { bearerTokenOf, hasBearerToken, resolveOptionalSecret, resolveSecret } from "./secrets.ts";

let ssm: FakeSsm;
beforeAll(async () => {
  ssm = await startFakeSsm();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIAFAKEFORTESTS0000", AWS_SECRET_ACCESS_KEY: "fake" });
});
afterAll(() => ssm.stop());

describe("resolveSecret", () => {
  const ssmOptions = (): { region: string; endpoint: string } => ({
    region: "us-east-1",
    endpoint: ssm.endpoint,
  });

  test("reads the SSM parameter (decrypted) in preference to a local value", async () => {
    ssm.put("/retail/internal-token", "from-ssm-token");
    expect(
      await resolveSecret({
        name: "INTERNAL_TOKEN",
        value: "local",
        ssmParameter: "/retail/internal-token",
        ...ssmOptions(),
      }),
    ).toBe("from-ssm-token");
    expect(await resolveSecret({ name: "INTERNAL_TOKEN", value: "local-token" })).toBe("local-token");
  });

  test("fails closed with one line naming what to set or what failed, never the value", async () => {
    await expect(resolveSecret({ name: "INTERNAL_TOKEN" })).rejects.toThrow(
      "INTERNAL_TOKEN is not set: set INTERNAL_TOKEN_SSM_PARAMETER (cloud) or INTERNAL_TOKEN (local)",
    );
    await expect(
      resolveSecret({ name: "INTERNAL_TOKEN", ssmParameter: "/missing", ...ssmOptions() }),
    ).rejects.toThrow("cannot read SSM parameter /missing: ParameterNotFound");
  });
});

describe("bearer tokens", () => {
  const req = (authorization: string): Request => new Request("http://x/", { headers: { authorization } });
  test("parses the Bearer scheme case-insensitively and compares exactly", () => {
    expect(bearerTokenOf(req("bearer abc"))).toBe("abc");
    expect(bearerTokenOf(req("Bearer a b"))).toBeUndefined();
    expect(bearerTokenOf(req("Basic abc"))).toBeUndefined();
    expect(hasBearerToken(req("Bearer s3cret"), "s3cret")).toBe(true);
    expect(hasBearerToken(req("Bearer s3cre"), "s3cret")).toBe(false);
    expect(hasBearerToken(req("Bearer s3cretX"), "s3cret")).toBe(false);
    expect(hasBearerToken(new Request("http://x/"), "s3cret")).toBe(false);
  });
});

test("resolveOptionalSecret is undefined when nothing is configured, else resolves", async () => {
  expect(await resolveOptionalSecret({ name: "INTERNAL_TOKEN" })).toBeUndefined();
  expect(await resolveOptionalSecret({ name: "INTERNAL_TOKEN", value: "local-token" })).toBe("local-token");
});
