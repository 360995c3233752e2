/**
 * One task of a service in the local cluster: a compiled binary on a loopback port the OS picks
 * (PORT=0, read back from its `listening` log line), its output appended to a log file (so a restart
 * keeps one history and the parent does no pumping), and the controls the fault tests need: SIGKILL,
 * SIGTERM with drain, SIGSTOP/SIGCONT, restart (on a new port, as a replaced task gets a new address).
 */
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import type { Subprocess } from "bun";
import { waitForListeningPort } from "service-kit/testing";

export type ServiceKind = "product" | "order";

export interface InstanceSpec {
  /** Unique name such as "product-1". */
  name: string;
  kind: ServiceKind;
  binary: string;
  /** The task's environment; PORT is always 0. */
  env: Record<string, string>;
  logFile: string;
}

export interface InstanceExit {
  code: number | null;
  signal: string | null;
}

export class ServiceInstance {
  private child: Subprocess | undefined;
  private lastExit: InstanceExit | undefined;
  private boundPort: number | undefined;

  constructor(readonly spec: InstanceSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** The port of the latest start. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error(`${this.name} has not been started`);
    return this.boundPort;
  }

  /** Direct URL of this instance, with its BASE_PATH (bypasses the proxy). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}${this.spec.env.BASE_PATH ?? ""}`;
  }

  get pid(): number | undefined {
    return this.isRunning() ? this.child?.pid : undefined;
  }

  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the last process ended, once it has. */
  get exit(): InstanceExit | undefined {
    return this.lastExit;
  }

  async start(readyTimeoutMs = 20_000): Promise<void> {
    if (this.isRunning()) throw new Error(`${this.name} is already running`);
    const fd = openSync(this.spec.logFile, "a");
    // The listening line of this start is the first one after what earlier starts wrote.
    const offset = statSync(this.spec.logFile).size;
    try {
      this.child = Bun.spawn([this.spec.binary, "serve"], {
        env: { ...this.spec.env, PORT: "0" },
        stdin: "ignore",
        stdout: fd,
        stderr: fd,
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    this.lastExit = undefined;
    void child.exited.then(() => {
      this.lastExit = {
        code: child.exitCode,
        signal: child.signalCode === null ? null : String(child.signalCode),
      };
    });
    try {
      this.boundPort = await waitForListeningPort({
        name: this.name,
        output: () => this.outputSince(offset),
        exitCode: () => child.exitCode ?? (child.signalCode === null ? null : -1),
        timeoutMs: readyTimeoutMs,
      });
    } catch (error) {
      await this.kill();
      throw error;
    }
    await this.waitReady(readyTimeoutMs);
  }

  /** SIGKILL: no drain, no cleanup, as when a task is killed hard. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning()) return;
    child.kill("SIGKILL");
    await child.exited;
  }

  /** SIGTERM, then wait for the process to drain and exit; resolves to its exit code. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.isRunning()) return child?.exitCode ?? null;
    child.kill("SIGTERM");
    const done = await Promise.race([child.exited, Bun.sleep(timeoutMs).then(() => "timeout" as const)]);
    if (done === "timeout") {
      child.kill("SIGKILL");
      await child.exited;
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms of SIGTERM; killed it`);
    }
    return child.exitCode;
  }

  /** Sends a signal without waiting (SIGTERM to watch a drain, SIGSTOP/SIGCONT to freeze it). */
  signal(signal: NodeJS.Signals): void {
    if (this.child && this.isRunning()) this.child.kill(signal);
  }

  /** The process's resident set size in kB from /proc, or undefined when it is not running. */
  rssKb(): number | undefined {
    const pid = this.pid;
    if (pid === undefined) return undefined;
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Everything this instance (and its earlier runs) printed. */
  output(): string {
    try {
      return readFileSync(this.spec.logFile, "utf8");
    } catch {
      return "";
    }
  }

  /** What was printed after the first `offset` bytes of the log file. */
  private outputSince(offset: number): string {
    try {
      return readFileSync(this.spec.logFile).subarray(offset).toString("utf8");
    } catch {
      return "";
    }
  }

  /** The JSON log lines printed so far (other output is skipped). */
  logLines(): Record<string, unknown>[] {
    return this.output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.isRunning()) {
        throw new Error(`${this.name} exited before it was ready; its log:\n${this.output().slice(-3000)}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/ready`, { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await Bun.sleep(50);
    }
    await this.kill();
    throw new Error(
      `${this.name} was not ready within ${timeoutMs} ms; its log:\n${this.output().slice(-3000)}`,
    );
  }
}
