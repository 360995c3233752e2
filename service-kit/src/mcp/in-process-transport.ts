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

export class InProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  private answer: ((message: JSONRPCMessage) => void) | undefined;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.answer = undefined;
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    // Only a response has an id and no method; anything else is a notification or a server request.
    if (!("id" in message) || "method" in message) return;
    const answer = this.answer;
    this.answer = undefined;
    answer?.(message);
  }

  /** Serves one request; the server behind this transport handles one request at a time. */
  request(message: JSONRPCRequest, extra: MessageExtraInfo): Promise<JSONRPCMessage> {
    if (this.answer) throw new Error("InProcessTransport serves one request at a time");
    if (!this.onmessage) throw new Error("InProcessTransport is not connected to a server");
    const deliver = this.onmessage;
    return new Promise((resolve) => {
      this.answer = resolve;
      deliver(message, extra);
    });
  }
}
