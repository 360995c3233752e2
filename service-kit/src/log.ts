/**
 * JSON lines to stdout, which Copilot ships to CloudWatch Logs; for a person at a terminal, one short
 * readable line per event instead (see log-pretty.ts). Fields whose names look like secrets are
 * replaced before a line is written, and URL credentials in text fields are hidden (a database error
 * or a start-up line may carry a URL), so a careless call site cannot leak a key.
 */
import { prettyLine } from "./log-pretty.ts";
import { redactUrlCredentials } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** How lines look: `json` for machines (the default), `pretty` for a person. */
export type LogFormat = "json" | "pretty";
/** LOG_FORMAT: `auto` is pretty when stdout is a terminal, JSON otherwise (pipes, files, containers). */
export type LogFormatSetting = "auto" | LogFormat;

export function resolveLogFormat(setting: LogFormatSetting, stdoutIsTerminal: boolean): LogFormat {
  if (setting !== "auto") return setting;
  return stdoutIsTerminal ? "pretty" : "json";
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /authorization|password|secret|token|api_?key|cookie/i;

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

// Lines written in one turn of the event loop leave in one write: under load that is one system call
// for many requests instead of one each. The exit hook flushes what is left, also on process.exit().
let pending: string[] = [];
let flushScheduled = false;

function flushStdout(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const chunk = pending.join("");
  pending = [];
  process.stdout.write(chunk);
}

process.on("exit", flushStdout);

/** Batched stdout, shared by log lines and metric lines so that they keep their order. */
export const stdoutSink: LogSink = (line) => {
  pending.push(`${line}\n`);
  if (pending.length >= 512) flushStdout();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushStdout);
  }
};

// Field names come from code, so a few dozen at most; the cap only guards against a caller that
// builds names from input.
const secretByName = new Map<string, boolean>();

function isSecretName(key: string): boolean {
  let secret = secretByName.get(key);
  if (secret === undefined) {
    secret = SECRET_FIELD.test(key);
    if (secretByName.size < 1000) secretByName.set(key, secret);
  }
  return secret;
}

/** Copies `fields` into `into`, leaving out undefined values and replacing secret-looking ones. */
function redactInto(into: LogFields, fields: LogFields): LogFields {
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    if (isSecretName(key)) into[key] = "[redacted]";
    else into[key] = typeof value === "string" ? redactUrlCredentials(value) : value;
  }
  return into;
}

// Lines come in bursts, several per millisecond under load: the time text is made once per millisecond.
let isoMs = Number.NaN;
let isoText = "";

function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

function redact(fields: LogFields): LogFields {
  return redactInto({}, fields);
}

export function createLogger(
  level: LogLevel,
  base: LogFields = {},
  sink: LogSink = stdoutSink,
  format: LogFormat = "json",
): Logger {
  const threshold = LEVEL_RANK[level];
  const render = format === "pretty" ? prettyLine : JSON.stringify;
  const write = (lineLevel: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[lineLevel] < threshold) return;
    const record: LogFields = {
      time: isoNow(),
      level: lineLevel,
      msg: redactUrlCredentials(message),
      ...base,
    };
    sink(render(fields ? redactInto(record, fields) : record));
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger(level, { ...base, ...redact(fields) }, sink, format),
  };
}

/** Reduces an unknown thrown value to a message, never a stack, for logs and answers. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
