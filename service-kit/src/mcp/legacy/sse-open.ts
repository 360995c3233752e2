/**
 * Bun sends a response's headers only with its first body bytes, and the SDK writes nothing on a GET
 * stream until the first notification or keep-alive (SSE_KEEPALIVE_MS later): clients that wait for
 * the 200 would stall. Opening the body with an SSE comment, which every client ignores, sends the
 * headers at once.
 */
const OPENING = new TextEncoder().encode(": stream open\n\n");

export function openStreamAtOnce(response: Response): Response {
  const body = response.body;
  if (!body || !response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
  const reader = body.getReader();
  const opened = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(OPENING);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    // A client that goes away must still reach the SDK's stream cleanup.
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(opened, { status: response.status, headers: response.headers });
}
