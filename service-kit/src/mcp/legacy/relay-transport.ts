/**
 * Wires a session's SDK transport to the ClientResponseRelay: answers to requests this transport sent
 * are awaited here and in the database; answers to requests it never sent are parked for the instance
 * that did, but only while that request waits for one (see client-response-relay.ts). Any other
 * response-shaped POST is refused before the SDK sees it.
 */
import type {
  JSONRPCMessage,
  JSONRPCNotification,
  TransportSendOptions,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { jsonRpcErrorResponse } from "../json-rpc.ts";
import { isClosed, sendStandaloneNotification } from "../sdk/internals.ts";
import { type ClientResponseRelay, type RequestId, responseId } from "./client-response-relay.ts";

/** Longest wait for a client's answer; the SDK's own request timeout is shorter unless a tool raises it. */
const MAX_WAIT_MS = 15 * 60_000;

/** Requests one session's transport may have waiting for the client at once (tools ask one at a time). */
export const MAX_OUTSTANDING_PER_SESSION = 32;

export function relayClientResponses(
  transport: WebStandardStreamableHTTPServerTransport,
  relay: ClientResponseRelay,
): void {
  // Ids of requests this transport sent to the client and still waits an answer for.
  const outstanding = new Set<RequestId>();

  const stopWaiting = (sessionId: string, id: RequestId): void => {
    if (!outstanding.delete(id)) return;
    void relay.forget(sessionId, id).catch(() => undefined);
  };

  const collect = async (sessionId: string, id: RequestId): Promise<void> => {
    const deadline = Date.now() + MAX_WAIT_MS;
    while (outstanding.has(id) && !isClosed(transport) && Date.now() < deadline) {
      await Bun.sleep(relay.pollMs);
      if (!outstanding.has(id)) return;
      const answer = await relay.take(sessionId, id).catch(() => undefined);
      if (answer) {
        outstanding.delete(id);
        transport.onmessage?.(answer);
        return;
      }
    }
    stopWaiting(sessionId, id);
  };

  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const sessionId = transport.sessionId;
    const request = message as { id?: RequestId; method?: string; params?: { requestId?: RequestId } };
    const asks = request.method !== undefined && request.id !== undefined && sessionId !== undefined;
    if (asks) {
      if (outstanding.size >= MAX_OUTSTANDING_PER_SESSION) {
        throw new Error(
          `${MAX_OUTSTANDING_PER_SESSION} requests to the client are already waiting for an answer in this session.`,
        );
      }
      // The slot opens before the request leaves: the answer may come back at once, to any instance.
      outstanding.add(request.id as RequestId);
      try {
        await relay.expect(sessionId, request.id as RequestId);
      } catch (error) {
        outstanding.delete(request.id as RequestId);
        throw error;
      }
    }
    // A notification of no request goes to the GET stream: the same steps without the SDK's type guards.
    if (isStandaloneNotification(message, options)) await sendStandaloneNotification(transport, message);
    else await send(message, options);
    if (asks) void collect(sessionId as string, request.id as RequestId);
    // The SDK cancels a request it stopped waiting for (timeout, abort): so does the relay.
    const cancelled = request.method === "notifications/cancelled" ? request.params?.requestId : undefined;
    if (cancelled !== undefined && sessionId !== undefined) stopWaiting(sessionId, cancelled);
  };

  const handle = transport.handleRequest.bind(transport);
  transport.handleRequest = async (request, options) => {
    const body = options?.parsedBody as JSONRPCMessage | undefined;
    const id = request.method === "POST" ? responseId(body) : undefined;
    const sessionId = transport.sessionId;
    if (id === undefined || sessionId === undefined) return handle(request, options);
    if (outstanding.has(id)) {
      stopWaiting(sessionId, id);
      return handle(request, options);
    }
    const outcome = await relay.deposit(sessionId, body as JSONRPCMessage);
    if (outcome === "parked") return new Response(null, { status: 202 });
    if (outcome === "too-large") {
      return jsonRpcErrorResponse(
        413,
        -32000,
        `Response too large: an answer relayed between instances may be at most ${relay.maxMessageBytes} bytes.`,
      );
    }
    return jsonRpcErrorResponse(
      400,
      -32600,
      `Invalid Request: no request with id ${JSON.stringify(id)} is waiting for an answer in this session (it was answered already, timed out, or never sent). Send responses only to requests the server sent you.`,
    );
  };
}

/** A message with a method and no id (a notification) that no request is waiting on. */
function isStandaloneNotification(
  message: JSONRPCMessage,
  options: TransportSendOptions | undefined,
): message is JSONRPCNotification {
  return options?.relatedRequestId === undefined && "method" in message && !("id" in message);
}
