/**
 * What the socket client does with its connections, against real servers on loopback: Bun.serve for
 * ordinary answers, and a raw TCP server (Bun.listen) that answers exactly the bytes a case needs.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { SocketHttpClient } from "./socket-client.ts";

const clientPorts = new Set<number>();
const served = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request, server) {
    clientPorts.add(server.requestIP(request)?.port ?? 0);
    const wait = Number(new URL(request.url).searchParams.get("wait") ?? 0);
    if (wait > 0) await Bun.sleep(wait);
    return Response.json({ ok: true, body: await request.text() });
  },
});

/** A TCP server that answers every request on a connection with the next of `answers` (then closes). */
function rawServer(answers: (string | ((socket: Socket<undefined>) => void))[]): {
  listener: TCPSocketListener<undefined>;
  url: string;
  connections: () => number;
  requests: () => number;
} {
  let connections = 0;
  let requests = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: () => {
        connections++;
      },
      data: (socket, chunk) => {
        // Every request of these tests fits in one read; each gets the next answer.
        if (!chunk.includes("\r\n\r\n")) return;
        const answer = answers[requests++];
        if (answer === undefined) socket.end();
        else if (typeof answer === "string") socket.write(answer);
        else answer(socket);
      },
    },
  });
  return {
    listener,
    url: `http://127.0.0.1:${listener.port}`,
    connections: () => connections,
    requests: () => requests,
  };
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{"ok":true}';

afterAll(() => served.stop(true));

describe("SocketHttpClient", () => {
  test("calls one after another share one kept connection", async () => {
    const client = new SocketHttpClient(`http://127.0.0.1:${served.port}`);
    clientPorts.clear();
    for (let i = 0; i < 20; i++) {
      const answer = await client.request({ method: "POST", path: "/", body: `call ${i}`, timeoutMs: 2000 });
      expect(JSON.parse(answer.text)).toEqual({ ok: true, body: `call ${i}` });
    }
    expect(clientPorts.size).toBe(1);
    expect(client.openConnections).toBe(1);
    client.close();
    expect(client.openConnections).toBe(0);
  });

  test("calls at once open at most maxConnections; the others wait their turn and are answered", async () => {
    const client = new SocketHttpClient(`http://127.0.0.1:${served.port}`, { maxConnections: 3 });
    clientPorts.clear();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client.request({ method: "POST", path: "/?wait=20", body: String(i), timeoutMs: 5000 }),
      ),
    );
    expect(answers.map((answer) => JSON.parse(answer.text).body)).toEqual(
      Array.from({ length: 12 }, (_, i) => String(i)),
    );
    expect(clientPorts.size).toBe(3);
    client.close();
  });

  test("a caller waiting for a connection gives up at its own timeout", async () => {
    const client = new SocketHttpClient(`http://127.0.0.1:${served.port}`, { maxConnections: 1 });
    const slow = client.request({ method: "GET", path: "/?wait=400", timeoutMs: 5000 });
    const waiting = await client.request({ method: "GET", path: "/", timeoutMs: 100 }).catch((e) => e);
    expect(waiting).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
    expect((await slow).status).toBe(200);
    client.close();
  });

  test("a kept connection the server closed while idle is left out; the next call opens a new one", async () => {
    // The first answer keeps the connection; the server then ends it, as an idle timeout would.
    const raw = rawServer([
      (socket) => {
        socket.write(OK);
        setTimeout(() => socket.end(), 5);
      },
      OK,
    ]);
    const client = new SocketHttpClient(raw.url);
    expect((await client.request({ method: "GET", path: "/", timeoutMs: 2000 })).status).toBe(200);
    await Bun.sleep(50);
    expect(client.openConnections).toBe(0);
    expect((await client.request({ method: "GET", path: "/", timeoutMs: 2000 })).status).toBe(200);
    expect(raw.connections()).toBe(2);
    client.close();
    raw.listener.stop(true);
  });

  test("a kept connection that closes as the next call reaches it: the call is sent again on a new one", async () => {
    // The second request finds the kept connection, and the server closes it without a byte of answer.
    const raw = rawServer([OK, (socket) => socket.end(), OK]);
    const client = new SocketHttpClient(raw.url);
    expect((await client.request({ method: "GET", path: "/", timeoutMs: 2000 })).status).toBe(200);
    expect(await client.request({ method: "GET", path: "/", timeoutMs: 2000 })).toEqual({
      status: 200,
      text: '{"ok":true}',
    });
    expect(raw.requests()).toBe(3);
    expect(raw.connections()).toBe(2);
    client.close();
    raw.listener.stop(true);
  });

  test("a connection closed before the answer, on a new connection: ECONNRESET, not sent again", async () => {
    const raw = rawServer([(socket) => socket.end()]);
    const client = new SocketHttpClient(raw.url);
    const error = await client
      .request({ method: "POST", path: "/", body: "x", timeoutMs: 2000 })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "ECONNRESET" });
    expect(String(error)).toContain("closed before the answer");
    expect(raw.requests()).toBe(1);
    raw.listener.stop(true);
  });

  test("Connection: close, HTTP/1.0 and bytes after the answer each end the connection after it", async () => {
    const answers = [
      "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok",
      "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n",
    ];
    for (const answer of answers) {
      const raw = rawServer([answer, answer]);
      const client = new SocketHttpClient(raw.url);
      expect(await client.request({ method: "GET", path: "/", timeoutMs: 2000 })).toEqual({
        status: 200,
        text: "ok",
      });
      expect(await client.request({ method: "GET", path: "/", timeoutMs: 2000 })).toEqual({
        status: 200,
        text: "ok",
      });
      expect(raw.connections()).toBe(2);
      raw.listener.stop(true);
    }
  });

  test("an answer that runs to the end of the connection is read whole", async () => {
    const raw = rawServer([
      (socket) => {
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nfirst part, ");
        setTimeout(() => socket.end("second part"), 10);
      },
    ]);
    const client = new SocketHttpClient(raw.url);
    const answer = await client.request({ method: "GET", path: "/", timeoutMs: 2000 });
    expect(answer).toEqual({ status: 200, text: "first part, second part" });
    raw.listener.stop(true);
  });

  test("an answer over maxBodyBytes fails with E2BIG, and one that is not HTTP with EPROTO", async () => {
    const big = `HTTP/1.1 200 OK\r\ncontent-length: 200000\r\n\r\n${"x".repeat(200_000)}`;
    const raw = rawServer([big, "SSH-2.0-OpenSSH_9.2\r\n\r\n"]);
    const client = new SocketHttpClient(raw.url, { maxBodyBytes: 1000 });
    const tooBig = await client.request({ method: "GET", path: "/", timeoutMs: 2000 }).catch((e) => e);
    expect(tooBig).toMatchObject({ code: "E2BIG" });
    const notHttp = await client.request({ method: "GET", path: "/", timeoutMs: 2000 }).catch((e) => e);
    expect(notHttp).toMatchObject({ code: "EPROTO" });
    expect(String(notHttp)).toContain("not an HTTP/1.x answer");
    expect(client.openConnections).toBe(0);
    raw.listener.stop(true);
  });

  test("a request body larger than the socket takes at once is sent whole", async () => {
    const client = new SocketHttpClient(`http://127.0.0.1:${served.port}`);
    const body = "é".repeat(3_000_000);
    const answer = await client.request({ method: "POST", path: "/", body, timeoutMs: 10_000 });
    expect(JSON.parse(answer.text).body.length).toBe(body.length);
    client.close();
  });

  test("only plain http URLs without credentials are taken", () => {
    expect(SocketHttpClient.supports("http://product-service.test.retail.local:3001")).toBe(true);
    expect(SocketHttpClient.supports("http://[::1]:3001/base")).toBe(true);
    expect(SocketHttpClient.supports("https://products.example.com")).toBe(false);
    expect(SocketHttpClient.supports("http://user:pw@127.0.0.1:3001")).toBe(false);
    expect(SocketHttpClient.supports("not a url")).toBe(false);
    expect(() => new SocketHttpClient("https://products.example.com")).toThrow(/plain http:\/\//);
  });
});
