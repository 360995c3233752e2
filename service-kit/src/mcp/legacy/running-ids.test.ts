/**
 * Two calls with one JSON-RPC id running at once in a 2025 session: before running-ids.ts one of them
 * never got an answer (the SDK's transport keeps one stream per id). Driven in-process on the copy of
 * the app that serves every session call through the session's transport (differential-support.ts).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Copies, legacyHeaders, type Seen, send, startCopies } from "../direct/differential-support.ts";

let copies: Copies;
beforeAll(async () => {
  copies = await startCopies();
});
afterAll(() => copies.close());

function headers(session?: string): Headers {
  return legacyHeaders(session ? { "mcp-session-id": session } : {});
}

async function openSession(): Promise<string> {
  const init = await send(
    copies.sdk,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
    headers(),
  );
  if (!init.sessionId) throw new Error(`no session: ${JSON.stringify(init.body)}`);
  await send(
    copies.sdk,
    JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    headers(init.sessionId),
  );
  return init.sessionId;
}

const getProduct = (id: unknown, productId = "p1"): string =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "get_product", arguments: { product_id: productId } },
  });

/** Both answers, or "hung" when either has not come within 3 s. */
async function both(first: Promise<Seen>, second: Promise<Seen>): Promise<Seen[] | "hung"> {
  return Promise.race([Promise.all([first, second]), Bun.sleep(3000).then(() => "hung" as const)]);
}

test("a call with the id of a call still running gets 409 with what to do; the other gets its own answer", async () => {
  const session = await openSession();
  const answers = await both(
    send(copies.sdk, getProduct(5, "first"), headers(session)),
    send(copies.sdk, getProduct(5, "second"), headers(session)),
  );
  if (answers === "hung") throw new Error("a call with a reused id got no answer within 3 s");
  expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
  const served = answers.findIndex((answer) => answer.status === 200);
  const refused = answers[1 - served] as Seen;
  expect(answers[served]?.body).toMatchObject({
    id: 5,
    result: { structuredContent: { id: served === 0 ? "first" : "second" } },
  });
  expect(refused.body).toMatchObject({ error: { code: -32600 } });
  expect(JSON.stringify(refused.body)).toContain("a request with id 5 is still running in this session");
});

test('an id may be used again once its call was answered, and 5 and "5" are different ids', async () => {
  const session = await openSession();
  const first = await send(copies.sdk, getProduct(7), headers(session));
  const again = await send(copies.sdk, getProduct(7), headers(session));
  expect([first.status, again.status]).toEqual([200, 200]);
  const answers = await both(
    send(copies.sdk, getProduct(9), headers(session)),
    send(copies.sdk, getProduct("9"), headers(session)),
  );
  expect(answers).not.toBe("hung");
  expect((answers as Seen[]).map((answer) => answer.status)).toEqual([200, 200]);
});
