import { expect, test } from "bun:test";
import { redactUrlCredentials } from "./redact.ts";

test("the password of a URL is hidden, the user, host and path stay readable", () => {
  expect(redactUrlCredentials("postgres://app:s3cret@db.internal:5432/shop")).toBe(
    "postgres://app:***@db.internal:5432/shop",
  );
  expect(
    redactUrlCredentials('DATABASE_URL must start with "sqlite://" (got "mysql://root:hunter2@h/db")'),
  ).toBe('DATABASE_URL must start with "sqlite://" (got "mysql://root:***@h/db")');
  // A token as the whole userinfo is hidden too.
  expect(redactUrlCredentials("https://ghp_abcdef123456@example.com/x")).toBe("https://***@example.com/x");
});

test("malformed URLs and passwords holding @ or / do not leak", () => {
  for (const [text, secret] of [
    ["postgres://app:p@ss@w0rd@db/shop", "w0rd"],
    ["postgres://app:pa/ss@db/shop", "pa/ss"],
    ["postgres:/app:s3cret@db/shop", "s3cret"],
    ["app:s3cret@db:5432/shop", "s3cret"],
    ["connect postgres://a:s3cret@h1/db and postgres://b:t0ken@h2/db failed", "t0ken"],
  ] as const) {
    const shown = redactUrlCredentials(text);
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain("s3cret");
    expect(shown).toContain("***@");
  }
});

test("text without credentials is unchanged, e-mail principals included", () => {
  for (const text of [
    "sqlite://.data/x.sqlite",
    "http://127.0.0.1:3001/mcp",
    "alice@example.com",
    "no at sign",
  ])
    expect(redactUrlCredentials(text)).toBe(text);
});
