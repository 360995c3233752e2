/**
 * Wires a session's SDK transport to the ClientResponseRelay: answers to requests this transport sent
 * are awaited here and in the database; answers to requests it never sent are parked for the instance
 * that did (see client-response-relay.ts).
 */
import type { JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { type ClientResponseRelay, type RequestId, responseId } from "./client-response-relay.ts";

/** Longest wait for a client's answer; the SDK's own request timeout is shorter unless a tool raises it. */
const MAX_WAIT_MS = 15 * 60_000;

interface Closable {
  _closed?: boolean;
}

export function relayClientResponses(
  transport: WebStandardStreamableHTTPServerTransport,
  relay: ClientResponseRelay,
): void {
  // Ids of requests this transport sent to the client and still waits an answer for.
  const outstanding = new Set<RequestId>();
  const closed = (): boolean => (transport as unknown as Closable)._closed === true;

  const collect = async (sessionId: string, id: RequestId): Promise<void> => {
    const deadline = Date.now() + MAX_WAIT_MS;
    while (outstanding.has(id) && !closed() && Date.now() < deadline) {
      await Bun.sleep(relay.pollMs);
      if (!outstanding.has(id)) return;
      const answer = await relay.take(sessionId, id).catch(() => undefined);
      if (answer) {
        outstanding.delete(id);
        transport.onmessage?.(answer);
        return;
      }
    }
    outstanding.delete(id);
  };

  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    await send(message, options);
    const request = message as { id?: RequestId; method?: string };
    if (request.method !== undefined && request.id !== undefined && transport.sessionId !== undefined) {
      outstanding.add(request.id);
      void collect(transport.sessionId, request.id);
    }
  };

  const handle = transport.handleRequest.bind(transport);
  transport.handleRequest = async (request, options) => {
    const body = options?.parsedBody as JSONRPCMessage | undefined;
    const id = request.method === "POST" ? responseId(body) : undefined;
    if (id === undefined || transport.sessionId === undefined) return handle(request, options);
    if (outstanding.has(id)) {
      outstanding.delete(id);
      return handle(request, options);
    }
    await relay.deposit(transport.sessionId, body as JSONRPCMessage);
    return new Response(null, { status: 202 });
  };
}
