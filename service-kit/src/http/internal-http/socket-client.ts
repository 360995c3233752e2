/**
 * Internal calls over sockets that the service's own thread reads and writes (Bun.connect), kept
 * open between calls.
 *
 * Why not fetch(): Bun runs fetch's HTTP on a thread of its own, and every call is handed to that
 * thread and its answer handed back. Where the services share a CPU (a small Fargate task, the
 * benchmark's pinned core) each hand-over waits for that thread to be scheduled: order-service's main
 * thread spent 1.3–2.4 ms inside each fetch() call. Here the thread that runs the service writes the
 * request and reads the answer, with no hand-over (docs/performance.md gives the measured difference).
 *
 * Kept small on purpose, for the requests our services send each other:
 * - plain http:// only (`supports`); createInternalHttp sends anything else through fetch();
 * - one request at a time per connection; at most `maxConnections` open (callers beyond wait their
 *   turn, within their own timeout), and at most `maxIdle` kept between calls, unreferenced, so a
 *   kept connection never holds a stopping process open;
 * - answers framed as answer-parser.ts reads them, up to `maxBodyBytes`;
 * - only requests that may safely be sent twice: when a kept connection closes before any byte of its
 *   answer arrived (the server closed it as idle just as the request left), the request is sent once
 *   more, on a new connection. Every internal call is idempotent (a reservation on its order id).
 */
import type { Socket } from "bun";
import { type ParsedAnswer, parseAnswer } from "./answer-parser.ts";
import {
  type InternalAnswer,
  type InternalHttp,
  InternalHttpError,
  type InternalRequest,
  requestProblem,
} from "./internal-http.ts";

export interface SocketHttpClientOptions {
  maxConnections?: number;
  maxIdle?: number;
  maxBodyBytes?: number;
}

/** Room for the head of an answer on top of its body. */
const HEAD_ALLOWANCE = 64 * 1024;

interface Exchange {
  request: InternalRequest;
  resolve(answer: InternalAnswer): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The connection carrying it now, if any. */
  connection: Connection | undefined;
  /** Sent once more on a new connection already (see the header). */
  resent: boolean;
  /** Answered, failed or timed out: nothing more happens to it. */
  settled: boolean;
}

interface Connection {
  socket: Socket<undefined> | undefined;
  exchange: Exchange | undefined;
  /** Bytes of the current answer read so far. */
  buffer: Buffer;
  /** Request bytes the socket did not take yet (written on drain). */
  unsent: Buffer | undefined;
  /** Served an answer before: a close before any byte of the next one means it went stale. */
  reused: boolean;
  closed: boolean;
}

export class SocketHttpClient implements InternalHttp {
  private readonly hostname: string;
  private readonly port: number;
  private readonly host: string;
  private readonly basePath: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;
  private readonly maxConnections: number;
  private readonly maxIdle: number;
  private readonly maxBodyBytes: number;

  /** Whether `baseUrl` is one this client serves (plain http, no credentials). */
  static supports(baseUrl: string): boolean {
    const url = URL.parse(baseUrl);
    return url !== null && url.protocol === "http:" && url.username === "" && url.password === "";
  }

  constructor(baseUrl: string, options: SocketHttpClientOptions = {}) {
    if (!SocketHttpClient.supports(baseUrl)) {
      throw new Error(`SocketHttpClient serves plain http:// URLs without credentials, not ${baseUrl}`);
    }
    const url = new URL(baseUrl);
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.port = Number(url.port || 80);
    this.host = url.host;
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.maxConnections = options.maxConnections ?? 64;
    this.maxIdle = options.maxIdle ?? 16;
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  /** Connections open now (busy, idle or connecting): lets tests see that connections are kept. */
  get openConnections(): number {
    return this.open;
  }

  request(request: InternalRequest): Promise<InternalAnswer> {
    const problem = requestProblem(request);
    if (problem) return Promise.reject(new Error(problem));
    const { promise, resolve, reject } = Promise.withResolvers<InternalAnswer>();
    const exchange: Exchange = {
      request,
      resolve,
      reject,
      timer: undefined,
      connection: undefined,
      resent: false,
      settled: false,
    };
    exchange.timer = setTimeout(() => this.timeOut(exchange), request.timeoutMs);
    void this.start(exchange);
    return promise;
  }

  /** Closes the kept connections (the service is stopping); calls in flight finish or fail alone. */
  close(): void {
    for (const connection of [...this.idle]) this.discard(connection);
  }

  private async start(exchange: Exchange): Promise<void> {
    let connection: Connection;
    try {
      connection = await this.acquire(exchange);
    } catch (error) {
      this.settle(exchange, undefined, error as Error);
      return;
    }
    if (exchange.settled) {
      this.release(connection, true);
      return;
    }
    exchange.connection = connection;
    connection.exchange = exchange;
    connection.socket?.ref();
    this.send(connection, this.encode(exchange.request));
  }

  private async acquire(exchange: Exchange): Promise<Connection> {
    for (;;) {
      // A request sent again after a stale connection goes on a new one: the others may be stale too.
      const kept = exchange.resent ? undefined : this.idle.pop();
      if (kept) return kept;
      if (this.open < this.maxConnections) return this.connect();
      await new Promise<void>((wake) => this.waiting.push(wake));
      if (exchange.settled) throw new InternalHttpError("gave up waiting for a connection", "ETIMEDOUT");
    }
  }

  private async connect(): Promise<Connection> {
    this.open++;
    const connection: Connection = {
      socket: undefined,
      exchange: undefined,
      buffer: Buffer.alloc(0),
      unsent: undefined,
      reused: false,
      closed: false,
    };
    try {
      connection.socket = await Bun.connect({
        hostname: this.hostname,
        port: this.port,
        socket: {
          data: (_socket, chunk) => this.received(connection, chunk),
          drain: () => this.drain(connection),
          end: () => this.ended(connection, undefined),
          close: (_socket, error) => this.ended(connection, error),
          error: (_socket, error) => this.ended(connection, error),
        },
      });
    } catch (error) {
      connection.closed = true;
      this.open--;
      this.wakeOne();
      throw new InternalHttpError(
        `cannot connect to ${this.host} (${error instanceof Error ? error.message : String(error)})`,
        "ECONNREFUSED",
      );
    }
    connection.socket.setNoDelay(true);
    return connection;
  }

  private encode(request: InternalRequest): Buffer {
    const body = request.body ?? "";
    let head = `${request.method} ${this.basePath}${request.path} HTTP/1.1\r\nhost: ${this.host}\r\n`;
    for (const [name, value] of Object.entries(request.headers ?? {})) head += `${name}: ${value}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return Buffer.from(head + body);
  }

  private send(connection: Connection, bytes: Buffer): void {
    const socket = connection.socket;
    if (!socket || connection.closed) return;
    const written = socket.write(bytes);
    connection.unsent = written < bytes.length ? bytes.subarray(Math.max(written, 0)) : undefined;
  }

  private drain(connection: Connection): void {
    if (connection.unsent) this.send(connection, connection.unsent);
  }

  private received(connection: Connection, chunk: Buffer): void {
    const exchange = connection.exchange;
    if (!exchange) {
      // Bytes nobody asked for: the connection can no longer be trusted to frame answers.
      this.discard(connection);
      return;
    }
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    if (connection.buffer.length > this.maxBodyBytes + HEAD_ALLOWANCE) {
      this.fail(connection, new InternalHttpError(`the answer is over ${this.maxBodyBytes} bytes`, "E2BIG"));
      return;
    }
    let parsed: ParsedAnswer;
    try {
      parsed = parseAnswer(connection.buffer, exchange.request.method, false);
    } catch (error) {
      this.fail(connection, error as Error);
      return;
    }
    if (parsed.kind === "done") this.finish(connection, exchange, parsed);
  }

  /** The peer ended or the socket failed: a close-delimited answer is complete, anything else lost. */
  private ended(connection: Connection, error: Error | undefined): void {
    const exchange = connection.exchange;
    connection.exchange = undefined;
    this.discard(connection);
    if (!exchange) return;
    if (connection.buffer.length > 0) {
      let parsed: ParsedAnswer;
      try {
        parsed = parseAnswer(connection.buffer, exchange.request.method, true);
      } catch (parseError) {
        this.settle(exchange, undefined, parseError as Error);
        return;
      }
      if (parsed.kind === "done") {
        this.settle(exchange, { status: parsed.status, text: parsed.body.toString("utf8") });
        return;
      }
    } else if (connection.reused && !exchange.resent) {
      // A kept connection the server had closed as idle: nothing arrived, so send it once more.
      exchange.resent = true;
      exchange.connection = undefined;
      void this.start(exchange);
      return;
    }
    const why = error ? `: ${error.message}` : "";
    this.settle(
      exchange,
      undefined,
      new InternalHttpError(`the connection to ${this.host} closed before the answer${why}`, "ECONNRESET"),
    );
  }

  private finish(
    connection: Connection,
    exchange: Exchange,
    parsed: Extract<ParsedAnswer, { kind: "done" }>,
  ): void {
    connection.exchange = undefined;
    connection.buffer = Buffer.alloc(0);
    this.release(connection, parsed.keepAlive && !parsed.extra);
    this.settle(exchange, { status: parsed.status, text: parsed.body.toString("utf8") });
  }

  private fail(connection: Connection, error: Error): void {
    const exchange = connection.exchange;
    connection.exchange = undefined;
    this.discard(connection);
    if (exchange) this.settle(exchange, undefined, error);
  }

  private release(connection: Connection, keep: boolean): void {
    if (!keep || connection.closed || this.idle.length >= this.maxIdle) {
      this.discard(connection);
      return;
    }
    connection.reused = true;
    // A kept connection must not hold a stopping process open.
    connection.socket?.unref();
    this.idle.push(connection);
    this.wakeOne();
  }

  /** Closes `connection` for good and gives its slot to a waiting caller. */
  private discard(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    this.open--;
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
    connection.socket?.terminate();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  private timeOut(exchange: Exchange): void {
    const connection = exchange.connection;
    if (connection && connection.exchange === exchange) {
      // Its answer may still come: the connection cannot carry another call.
      connection.exchange = undefined;
      this.discard(connection);
    }
    this.settle(
      exchange,
      undefined,
      new InternalHttpError(
        `no answer from ${this.host} within ${exchange.request.timeoutMs} ms`,
        "ETIMEDOUT",
      ),
    );
    // A caller waiting for a connection looks again, and gives up if it was this one.
    for (const wake of this.waiting.splice(0)) wake();
  }

  private settle(exchange: Exchange, answer?: InternalAnswer, error?: Error): void {
    if (exchange.settled) return;
    exchange.settled = true;
    clearTimeout(exchange.timer);
    if (answer) exchange.resolve(answer);
    else exchange.reject(error ?? new Error("no answer"));
  }
}
