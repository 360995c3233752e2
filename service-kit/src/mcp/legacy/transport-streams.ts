/**
 * Lets a session's event store see and close the SSE streams of the SDK transport it serves. The
 * transport is created after its event store (the store is a constructor option), hence `attach`,
 * which also mends an SDK habit that breaks a session whose requests mix JSON and SSE answers: see
 * answerEachStreamInItsMode. (SDK 1.32.2 also kept the table entry of every JSON answer; v2 releases
 * it itself, which transport-streams.test.ts checks.)
 */
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import {
  closeStream,
  holdStream,
  isPendingJsonAnswer,
  isStreamOpen,
  setResponseMode,
  streamOfRequest,
} from "../sdk/internals.ts";
import type { ClientResponseRelay } from "./client-response-relay.ts";
import type { StreamBinding } from "./event-store.ts";
import { relayClientResponses } from "./relay-transport.ts";

export interface TransportStreams extends StreamBinding {
  attach(transport: WebStandardStreamableHTTPServerTransport): void;
  useRelay(relay: ClientResponseRelay): void;
}

export function transportStreams(): TransportStreams {
  let transport: WebStandardStreamableHTTPServerTransport | undefined;
  let relay: ClientResponseRelay | undefined;
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
    isStreamOpen: (streamId) => transport !== undefined && isStreamOpen(transport, streamId),
    closeStream: (streamId) => {
      if (transport) closeStream(transport, streamId);
    },
    holdStream: (streamId) => (transport ? holdStream(transport, streamId) : () => undefined),
  };
}

/**
 * The SDK decides JSON or SSE per transport, and reads that flag again when it sends each message; the
 * kit sets the flag per request (from Accept). So a JSON request arriving while an SSE call runs would
 * make that call's answer go nowhere (and the reverse would leave a JSON request waiting forever).
 * Before each message, the flag is set from the kind of stream the message belongs to.
 */
export function answerEachStreamInItsMode(transport: WebStandardStreamableHTTPServerTransport): void {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const id = "id" in message && !("method" in message) ? message.id : options?.relatedRequestId;
    if (id !== undefined) {
      const streamId = streamOfRequest(transport, id);
      // A stream that went away was an SSE stream (JSON entries stay until answered): keep SSE rules,
      // which store the message for a resume.
      const json = streamId !== undefined && isPendingJsonAnswer(transport, streamId);
      setResponseMode(transport, json ? "json" : "sse");
    }
    return send(message, options);
  };
}
