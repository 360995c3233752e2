/**
 * Lets a session's event store see and close the SSE streams of the SDK transport it serves. The
 * transport is created after its event store (the store is a constructor option), hence `attach`,
 * which also mends an SDK habit that breaks a session whose requests mix JSON and SSE answers: see
 * answerEachStreamInItsMode. (SDK 1.32.2 also kept the table entry of every JSON answer; v2 releases
 * it itself, which transport-streams.test.ts checks.)
 */
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { ClientResponseRelay } from "./client-response-relay.ts";
import type { StreamBinding } from "./event-store.ts";
import { relayClientResponses } from "./relay-transport.ts";

// The SDK keeps its stream tables private; closing a resumed stream needs its cleanup function, and
// keeping one open needs an entry in the request table (see holdStream).
interface StreamTable {
  _streamMapping: Map<string, { cleanup(): void }>;
  _requestToStreamMapping: Map<unknown, string>;
}

export interface TransportStreams extends StreamBinding {
  attach(transport: WebStandardStreamableHTTPServerTransport): void;
  useRelay(relay: ClientResponseRelay): void;
}

export function transportStreams(): TransportStreams {
  let transport: WebStandardStreamableHTTPServerTransport | undefined;
  let relay: ClientResponseRelay | undefined;
  const table = (): Map<string, { cleanup(): void }> | undefined =>
    (transport as unknown as StreamTable | undefined)?._streamMapping;
  return {
    attach(value) {
      transport = value;
      answerEachStreamInItsMode(value);
      if (relay) relayClientResponses(value, relay);
    },
    useRelay(value) {
      relay = value;
    },
    sessionId: () => transport?.sessionId,
    isStreamOpen: (streamId) => table()?.has(streamId) === true,
    closeStream: (streamId) => table()?.get(streamId)?.cleanup(),
    holdStream: (streamId) => {
      // A key no JSON-RPC id can equal: the entry only makes the stream look fed by a request.
      const key = Symbol(streamId);
      const requests = (transport as unknown as StreamTable | undefined)?._requestToStreamMapping;
      requests?.set(key, streamId);
      return () => requests?.delete(key);
    },
  };
}

interface ModeTables {
  _enableJsonResponse: boolean;
  _streamMapping: Map<string, { resolveJson?: unknown }>;
  _requestToStreamMapping: Map<unknown, string>;
}

/**
 * The SDK decides JSON or SSE per transport, and reads that flag again when it sends each message; the
 * kit sets the flag per request (from Accept). So a JSON request arriving while an SSE call runs would
 * make that call's answer go nowhere (and the reverse would leave a JSON request waiting forever).
 * Before each message, the flag is set from the kind of stream the message belongs to.
 */
export function answerEachStreamInItsMode(transport: WebStandardStreamableHTTPServerTransport): void {
  const tables = transport as unknown as ModeTables;
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const id = "id" in message && !("method" in message) ? message.id : options?.relatedRequestId;
    if (id !== undefined) {
      const streamId = tables._requestToStreamMapping.get(id);
      const entry = streamId === undefined ? undefined : tables._streamMapping.get(streamId);
      // A stream that went away was an SSE stream (JSON entries stay until answered): keep SSE rules,
      // which store the message for a resume.
      tables._enableJsonResponse = entry?.resolveJson !== undefined;
    }
    return send(message, options);
  };
}
