/** Reads Server-Sent Events from a response body, as the MCP Streamable HTTP transport writes them. */

export interface SseEvent {
  id?: string;
  retry?: number;
  data: string;
}

/** Reads SSE events from a response body until `stop` says so or the stream ends; skips keep-alives. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  stop: (event: SseEvent, all: SseEvent[]) => boolean = () => false,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const event: SseEvent = { data: "" };
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) event.id = line.slice(4);
        else if (line.startsWith("retry: ")) event.retry = Number(line.slice(7));
        else if (line.startsWith("data: ")) event.data += line.slice(6);
      }
      if (event.id === undefined && event.data === "") continue; // keep-alive comment
      events.push(event);
      if (stop(event, events)) return events;
    }
  }
  return events;
}
