/**
 * A recording reverse proxy on loopback, at the TCP level: every byte a client sends is passed to the
 * upstream unchanged and kept, so the requests read back are exactly what the client put on the wire
 * (header names' case and order included), not what an HTTP library made of them.
 */
import type { Socket } from "bun";
import { type HttpRequest, parseRequests } from "./http-parse.ts";

export interface RecordingProxy {
  port: number;
  url: string;
  /** Every complete request received so far, in the order their first byte arrived. */
  requests(): HttpRequest[];
  stop(): void;
}

interface Conn {
  chunks: Uint8Array[];
  /** Global order of this connection's first byte of each chunk, to sort requests across connections. */
  firstSeq: number[];
  upstream?: Socket<undefined>;
  pending: Uint8Array[];
}

export async function startRecordingProxy(upstreamPort: number): Promise<RecordingProxy> {
  const connections: Conn[] = [];
  let seq = 0;
  const listener = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        const conn: Conn = { chunks: [], firstSeq: [], pending: [] };
        client.data = conn;
        connections.push(conn);
        void Bun.connect({
          hostname: "127.0.0.1",
          port: upstreamPort,
          socket: {
            data(_upstream, answer) {
              client.write(answer);
            },
            close() {
              client.end();
            },
            error() {
              client.end();
            },
          },
        }).then(
          (upstream) => {
            conn.upstream = upstream;
            for (const chunk of conn.pending) upstream.write(chunk);
            conn.pending = [];
          },
          () => client.end(),
        );
      },
      data(client, chunk) {
        const conn = client.data;
        const copy = new Uint8Array(chunk);
        conn.chunks.push(copy);
        conn.firstSeq.push(seq++);
        if (conn.upstream) conn.upstream.write(copy);
        else conn.pending.push(copy);
      },
      close(client) {
        client.data.upstream?.end();
      },
      error(client) {
        client.data.upstream?.end();
      },
    },
  });
  return {
    port: listener.port,
    url: `http://127.0.0.1:${listener.port}`,
    requests: () => {
      const ordered: { seq: number; request: HttpRequest }[] = [];
      for (const conn of connections) {
        for (const parsed of parseRequests(conn.chunks)) {
          ordered.push({ seq: conn.firstSeq[parsed.firstChunk] ?? 0, request: parsed.request });
        }
      }
      return ordered.sort((a, b) => a.seq - b.seq).map((item) => item.request);
    },
    stop: () => listener.stop(true),
  };
}
