/**
 * The `listening` log line is how a started service tells whoever launched it where it listens.
 * With PORT=0 the OS picks the port, so test harnesses, the local cluster, the benchmark and
 * `npm run dev` read it from this line instead of choosing a port they do not hold.
 */
export const LISTENING_MESSAGE = "listening";

// The same line as LOG_FORMAT=pretty writes it (log-pretty.ts): "… INFO  svc listening url=… port=3001 …".
const PRETTY_LISTENING = new RegExp(` ${LISTENING_MESSAGE} (?:\\S+ )*?port=(\\d+)(?: |$)`);

/** The port named by the first `listening` line in `output` (JSON or pretty), or undefined if none yet. */
export function listeningPort(output: string): number | undefined {
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) {
      const match = PRETTY_LISTENING.exec(line);
      if (match) return Number(match[1]);
      continue;
    }
    if (!line.includes(`"msg":"${LISTENING_MESSAGE}"`)) continue;
    try {
      const record = JSON.parse(line) as { msg?: unknown; port?: unknown };
      if (record.msg === LISTENING_MESSAGE && typeof record.port === "number") return record.port;
    } catch {
      // a line cut mid-write: the next read has it whole
    }
  }
  return undefined;
}

export interface ListeningWait {
  /** Everything the process printed so far. */
  output(): string;
  /** The exit code once the process has ended, else null. */
  exitCode(): number | null;
  /** Names the process in errors, e.g. "product-service". */
  name: string;
  timeoutMs?: number;
  /** How often to look; 20 ms unless a measurement needs finer steps. */
  pollMs?: number;
}

/** Waits for the `listening` line and returns its port; throws with the output if the process ends first. */
export async function waitForListeningPort(wait: ListeningWait): Promise<number> {
  const timeoutMs = wait.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = listeningPort(wait.output());
    if (port !== undefined) return port;
    const code = wait.exitCode();
    if (code !== null) {
      throw new Error(
        `${wait.name} exited with ${code} before it was listening:\n${wait.output().slice(-3000)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${wait.name} printed no listening line within ${timeoutMs} ms:\n${wait.output().slice(-3000)}`,
      );
    }
    await Bun.sleep(wait.pollMs ?? 20);
  }
}
