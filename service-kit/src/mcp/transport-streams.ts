/**
 * Lets a session's event store see and close the SSE streams of the SDK transport it serves. The
 * transport is created after its event store (the store is a constructor option), hence `attach`,
 * which also mends two SDK (1.32.2) habits that break a session whose requests mix JSON and SSE
 * answers: see answerEachStreamInItsMode and releaseAnsweredJsonStreams.
 */
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { ClientResponseRelay } from "./client-response-relay.ts";
import type { StreamBinding } from "./event-store.ts";
import { relayClientResponses } from "./relay-transport.ts";

// The SDK keeps its stream table private; closing a resumed stream needs its cleanup function.
interface StreamTable {
  _streamMapping: Map<string, { cleanup(): void }>;
}

export interface TransportStreams extends StreamBinding {
  attach(transport: WebStandardStreamableHTTPServerTransport): void;
  useRelay(relay: ClientResponseRelay): void;
}

export function transportStreams(): TransportStreams {
  let transport: WebStandardStreamableHTTPServerTransport | undefined;
  let relay: ClientResponseRelay | undefined;
  // Resumed streams with nothing more to come: the SDK registers (and keeps open) a resumed stream
  // only after the replay, so they are closed when the GET's response is ready.
  const closeWhenReplayed = new Set<string>();
  const table = (): Map<string, { cleanup(): void }> | undefined =>
    (transport as unknown as StreamTable | undefined)?._streamMapping;
  return {
    attach(value) {
      transport = value;
      answerEachStreamInItsMode(value);
      const handle = value.handleRequest.bind(value);
      value.handleRequest = async (request, options) => {
        const response = await handle(request, options);
        if (response.headers.get("content-type")?.startsWith("application/json"))
          releaseAnsweredJsonStreams(value);
        // Only marked streams that are registered by now: another GET's replay may still be running.
        for (const streamId of closeWhenReplayed) {
          const entry = table()?.get(streamId);
          if (!entry) continue;
          closeWhenReplayed.delete(streamId);
          entry.cleanup();
        }
        return response;
      };
      if (relay) relayClientResponses(value, relay);
    },
    useRelay(value) {
      relay = value;
    },
    sessionId: () => transport?.sessionId,
    isStreamOpen: (streamId) => table()?.has(streamId) === true,
    closeStream: (streamId) => table()?.get(streamId)?.cleanup(),
    closeAfterReplay: (streamId) => {
      closeWhenReplayed.add(streamId);
    },
  };
}

interface TransportTables {
  _streamMapping: Map<string, { resolveJson?: unknown }>;
  _requestToStreamMapping: Map<unknown, string>;
}

/**
 * The SDK (1.32.2) never removes the table entry of a request answered in JSON mode, so a JSON-mode
 * session grows with every request and, since the kit's sweep counts entries as open streams, never
 * expires. Runs after each JSON answer: drops the entries no pending request points at.
 */
export function releaseAnsweredJsonStreams(transport: WebStandardStreamableHTTPServerTransport): void {
  const tables = transport as unknown as TransportTables;
  const pending = new Set(tables._requestToStreamMapping.values());
  for (const [streamId, entry] of tables._streamMapping) {
    if (entry.resolveJson && !pending.has(streamId)) tables._streamMapping.delete(streamId);
  }
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
