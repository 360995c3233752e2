/**
 * Lets a session's event store see and close the SSE streams of the SDK transport it serves. The
 * transport is created after its event store (the store is a constructor option), hence `attach`.
 */
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { StreamBinding } from "./event-store.ts";

// The SDK keeps its stream table private; closing a resumed stream needs its cleanup function.
interface StreamTable {
  _streamMapping: Map<string, { cleanup(): void }>;
}

export interface TransportStreams extends StreamBinding {
  attach(transport: WebStandardStreamableHTTPServerTransport): void;
}

export function transportStreams(): TransportStreams {
  let transport: WebStandardStreamableHTTPServerTransport | undefined;
  const table = (): Map<string, { cleanup(): void }> | undefined =>
    (transport as unknown as StreamTable | undefined)?._streamMapping;
  return {
    attach(value) {
      transport = value;
    },
    sessionId: () => transport?.sessionId,
    isStreamOpen: (streamId) => table()?.has(streamId) === true,
    closeStream: (streamId) => table()?.get(streamId)?.cleanup(),
  };
}
