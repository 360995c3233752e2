/**
 * Speaks MCP's stdio transport (newline-delimited JSON-RPC) to a child process, as Claude Desktop does
 * with `mcp-remote`: requests with ids, notifications, and the process's stderr kept for messages.
 */
import type { Subprocess } from "bun";

export interface StdioPeer {
  request<T = Record<string, unknown>>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  notify(method: string, params?: unknown): Promise<void>;
  /**
   * Handshake as an MCP client: initialize asking for `protocolVersion` (2025-06-18 unless told), then
   * notifications/initialized. Returns the server's answer.
   */
  initialize(
    clientName: string,
    protocolVersion?: string,
  ): Promise<{ protocolVersion: string; serverInfo: { name: string } }>;
  stderr(): string;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export function spawnStdioPeer(
  argv: string[],
  options: { env: Record<string, string>; cwd?: string },
): StdioPeer {
  const child: Subprocess<"pipe", "pipe", "pipe"> = Bun.spawn(argv, {
    env: options.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let errors = "";
  const decoder = new TextDecoder();

  void (async () => {
    for await (const chunk of child.stderr) errors += decoder.decode(chunk, { stream: true });
  })();
  void (async () => {
    let buffer = "";
    const lines = new TextDecoder();
    for await (const chunk of child.stdout) {
      buffer += lines.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n");
      while (end >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        end = buffer.indexOf("\n");
        if (line.startsWith("{")) receive(JSON.parse(line) as Message);
      }
    }
    for (const waiter of pending.values()) waiter.reject(new Error(`the process exited; stderr:\n${errors}`));
  })();

  interface Message {
    id?: number | string;
    method?: string;
    result?: unknown;
    error?: { code: number; message: string };
  }
  const write = async (message: unknown): Promise<void> => {
    child.stdin.write(`${JSON.stringify(message)}\n`);
    await child.stdin.flush();
  };
  function receive(message: Message): void {
    if (message.method !== undefined && message.id !== undefined) {
      // A request from the server side (e.g. ping): answer so the bridge is never left waiting.
      const answer =
        message.method === "ping" ? { result: {} } : { error: { code: -32601, message: "not supported" } };
      void write({ jsonrpc: "2.0", id: message.id, ...answer });
      return;
    }
    if (typeof message.id !== "number") return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.code}: ${message.error.message}`));
    else waiter.resolve(message.result);
  }

  const peer: StdioPeer = {
    request: async <T>(method: string, params: unknown = {}, timeoutMs = 20_000): Promise<T> => {
      const id = nextId++;
      const answer = new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      });
      await write({ jsonrpc: "2.0", id, method, params });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer to ${method} within ${timeoutMs} ms; stderr:\n${errors}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([answer, timeout]);
      } finally {
        clearTimeout(timer);
        pending.delete(id);
      }
    },
    notify: (method, params = {}) => write({ jsonrpc: "2.0", method, params }),
    initialize: async (clientName, protocolVersion = "2025-06-18") => {
      const result = await peer.request<{ protocolVersion: string; serverInfo: { name: string } }>(
        "initialize",
        {
          protocolVersion,
          capabilities: {},
          clientInfo: { name: clientName, version: "1.0.0" },
        },
        30_000,
      );
      await peer.notify("notifications/initialized");
      return result;
    },
    stderr: () => errors,
    close: async () => {
      child.stdin.end();
      child.kill("SIGTERM");
      await child.exited;
    },
  };
  return peer;
}
