import { expect, test } from "bun:test";
import { listeningPort, waitForListeningPort } from "./listening.ts";
import { createLogger } from "./log.ts";

test("listeningPort reads the port of the first JSON listening line and skips everything else", () => {
  const output = [
    "plain text",
    '{"level":"info","msg":"migrations applied"}',
    '{"level":"info","msg":"listening","url":"http://127.0.0.1:41234/mcp","port":41234}',
    '{"level":"info","msg":"listening","port":9}',
  ].join("\n");
  expect(listeningPort(output)).toBe(41234);
  expect(listeningPort('{"msg":"listening","port":')).toBeUndefined();
  expect(listeningPort('{"msg":"not listening","port":1}')).toBeUndefined();
});

test("listeningPort also reads the listening line as LOG_FORMAT=pretty writes it", () => {
  const lines: string[] = [];
  createLogger("info", { service: "svc" }, (line) => lines.push(line), "pretty").info("listening", {
    url: "http://127.0.0.1:3001/mcp",
    port: 3001,
    version: "1.0.0",
  });
  expect(listeningPort(`some text\n${lines.join("\n")}`)).toBe(3001);
  expect(listeningPort("12:00:00.000 INFO  svc not-listening port=1")).toBeUndefined();
});

test("waitForListeningPort names the process and shows its output when it exits first", async () => {
  const wait = waitForListeningPort({
    name: "svc",
    output: () => "config error: PORT must be a whole number",
    exitCode: () => 2,
  });
  await expect(wait).rejects.toThrow("svc exited with 2 before it was listening:\nconfig error: PORT");
});
