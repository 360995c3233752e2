import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { isLoopbackHost, kitConfigShape, parseConfig } from "./config.ts";

const schema = z.object({ ...kitConfigShape, PORT: kitConfigShape.PORT.default(3001) });

describe("parseConfig", () => {
  test("applies local defaults when nothing is set", () => {
    const result = parseConfig(schema, {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ PORT: 3001, HOST: "127.0.0.1", BASE_PATH: "", LOG_LEVEL: "info" });
    expect(result.config.ALLOWED_ORIGINS).toEqual([]);
  });

  test("coerces numbers and splits lists", () => {
    const result = parseConfig(schema, {
      PORT: "8080",
      ALLOWED_ORIGINS: "https://a.example, https://b.example",
      BASE_PATH: "/product",
    });
    expect(result.ok && result.config).toMatchObject({
      PORT: 8080,
      BASE_PATH: "/product",
      ALLOWED_ORIGINS: ["https://a.example", "https://b.example"],
    });
  });

  test("PORT=0 is accepted (the OS picks the port); a port outside 0-65535 is refused", () => {
    expect(parseConfig(schema, { PORT: "0" })).toMatchObject({ ok: true, config: { PORT: 0 } });
    for (const bad of ["-1", "65536", "80.5"]) {
      const result = parseConfig(schema, { PORT: bad });
      expect(result).toEqual({
        ok: false,
        problems: [
          `PORT must be a whole number from 0 to 65535 (0 binds a free port, named in the listening log line) (got "${bad}")`,
        ],
      });
    }
  });

  test("LOG_FORMAT is auto unless set to json or pretty; anything else is named as wrong", () => {
    expect(parseConfig(schema, {})).toMatchObject({ ok: true, config: { LOG_FORMAT: "auto" } });
    expect(parseConfig(schema, { LOG_FORMAT: "pretty" })).toMatchObject({ config: { LOG_FORMAT: "pretty" } });
    expect(parseConfig(schema, { LOG_FORMAT: "text" })).toEqual({
      ok: false,
      problems: ['LOG_FORMAT must be "auto", "json" or "pretty" (got "text")'],
    });
  });

  test("an empty variable counts as unset", () => {
    const result = parseConfig(schema, { PORT: "", LOG_LEVEL: "" });
    expect(result.ok && result.config.PORT).toBe(3001);
  });

  test("reports one line per bad variable, naming it and the value", () => {
    const result = parseConfig(schema, {
      PORT: "eighty",
      LOG_LEVEL: "loud",
      BASE_PATH: "product/",
      DATABASE_URL: "mysql://x",
      MAX_BODY_BYTES: "-1",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(5);
    expect(result.problems.find((p) => p.startsWith("PORT "))).toContain('"eighty"');
    expect(result.problems.find((p) => p.startsWith("LOG_LEVEL "))).toContain('"loud"');
    expect(result.problems.find((p) => p.startsWith("BASE_PATH "))).toContain("/product");
    expect(result.problems.find((p) => p.startsWith("DATABASE_URL "))).toContain("sqlite://");
    expect(result.problems.find((p) => p.startsWith("MAX_BODY_BYTES "))).toContain("whole number");
  });

  test("never echoes a secret-looking value", () => {
    const withSecret = z.object({ INTERNAL_TOKEN: z.string().min(32, "must be at least 32 characters") });
    const result = parseConfig(withSecret, { INTERNAL_TOKEN: "short-secret" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toContain("<redacted>");
    expect(result.problems[0]).not.toContain("short-secret");
  });
});

test("isLoopbackHost", () => {
  for (const host of ["127.0.0.1", "127.0.0.5", "localhost", "::1", "[::1]"])
    expect(isLoopbackHost(host)).toBe(true);
  for (const host of ["0.0.0.0", "10.0.0.1", "example.com", "::"]) expect(isLoopbackHost(host)).toBe(false);
});

test("a bad URL is reported without its password", () => {
  const result = parseConfig(schema, {
    DATABASE_URL: "mysql://shop:s3cret-db-pass@db.internal:3306/shop",
    OAUTH_ISSUER: "not a url with user:t0ken-pass@host",
  });
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const printed = result.problems.join("\n");
  expect(printed).toContain("mysql://shop:***@db.internal:3306/shop");
  expect(printed).not.toContain("s3cret-db-pass");
  expect(printed).not.toContain("t0ken-pass");
});
