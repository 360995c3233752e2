/**
 * The transport a pooled server stays connected to (see server-pool.ts): one JSON-RPC request goes in,
 * its response comes out, with no HTTP or stream machinery in between. The SDK's HTTP transport costs
 * more per stateless call than the call itself (a new transport, connect, zod parse of the envelope,
 * stream bookkeeping, close); here the endpoint has already done the HTTP checks, and the SDK's
 * Protocol and Server still do everything else (handler lookup, request schema, tool validation).
 *
 * A stateless JSON answer carries only the response, so notifications a handler sends on the way
 * (progress, logs) have nowhere to go and are dropped, as the SDK's transport drops them in JSON mode.
 */
import type {
  JSONRPCMessage,
  JSONRPCRequest,
  MessageExtraInfo,
  Transport,
} from "@modelcontextprotocol/server";

interface Pending {
  resolve(message: JSONRPCMessage): void;
  reject(error: Error): void;
}

/** Why a request on a closed transport gets no answer (the endpoint turns it into a JSON-RPC error). */
export const TRANSPORT_CLOSED = "InProcessTransport is closed: the server behind it has shut down";

export class InProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  private pending: Pending | undefined;
  private closed = false;

  async start(): Promise<void> {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Rejects the request in flight, if any: its caller would otherwise wait forever. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new Error(`${TRANSPORT_CLOSED} before it answered`));
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error(TRANSPORT_CLOSED);
    // Only a response has an id and no method; anything else is a notification or a server request.
    if (!("id" in message) || "method" in message) return;
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(message);
  }

  /**
   * Serves one request; the server behind this transport handles one request at a time. `deliver`
   * hands it to the server some other way than the connected onmessage (sdk/internals.ts
   * dispatchRequest); the answer still comes back through send().
   */
  request(
    message: JSONRPCRequest,
    extra: MessageExtraInfo,
    deliver: ((message: JSONRPCRequest, extra: MessageExtraInfo) => void) | undefined = this.onmessage,
  ): Promise<JSONRPCMessage> {
    if (this.closed) return Promise.reject(new Error(TRANSPORT_CLOSED));
    if (this.pending) throw new Error("InProcessTransport serves one request at a time");
    if (!this.onmessage || !deliver) throw new Error("InProcessTransport is not connected to a server");
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      deliver(message, extra);
    });
  }
}
