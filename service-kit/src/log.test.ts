import { expect, test } from "bun:test";
import { createLogger } from "./log.ts";

function capture(): { lines: Record<string, unknown>[]; sink: (line: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) };
}

test("a line has time, level, message, base fields and the call's fields, with secrets replaced", () => {
  const { lines, sink } = capture();
  const log = createLogger("info", { service: "s" }, sink);
  log.info("hello", { requestId: "r1", Authorization: "Bearer abc", db_password: "pw", skipped: undefined });
  log.debug("not written");
  expect(lines).toHaveLength(1);
  const [line] = lines;
  expect(line).toMatchObject({
    level: "info",
    msg: "hello",
    service: "s",
    requestId: "r1",
    Authorization: "[redacted]",
    db_password: "[redacted]",
  });
  expect(typeof line?.time).toBe("string");
  expect(line && "skipped" in line).toBe(false);
});

test("a child logger redacts its own fields, and a call's fields win over the base", () => {
  const { lines, sink } = capture();
  const child = createLogger("debug", { service: "s" }, sink).child({ token: "t", component: "c" });
  child.debug("x", { component: "override" });
  expect(lines[0]).toMatchObject({ token: "[redacted]", component: "override", service: "s" });
});

test("URL credentials in messages and text fields are hidden, e-mail principals are not", () => {
  const { lines, sink } = capture();
  const log = createLogger("info", {}, sink);
  log.error("could not connect to postgres://app:s3cret@db/shop", {
    error: "connect ECONNREFUSED postgres://app:s3cret@db:5432/shop",
    principal: "alice@example.com",
  });
  const text = JSON.stringify(lines);
  expect(text).not.toContain("s3cret");
  expect(lines[0]).toMatchObject({
    principal: "alice@example.com",
    error: expect.stringContaining("app:***@db"),
  });
});
