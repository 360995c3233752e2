/**
 * Asking the user to confirm, with one tool handler for both protocol eras. The handler returns the
 * SDK's `input_required` result: a 2026-07-28 client asks its user and calls again with the answer
 * and the signed request state; on a 2025 session the SDK's legacy shim turns the same result into an
 * `elicitation/create` request and re-enters the handler with the answer. A client that can be asked
 * neither way is left to the tool, which tells the model to ask the user itself.
 *
 * The request state names what was confirmed (`subject`, e.g. the items and total of an order) and is
 * signed with a key every instance shares, bound to the caller and the method: a confirmation cannot
 * be replayed for another order, another caller or after ten minutes.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  type InputRequiredResult,
  inputRequired,
  type McpServer,
  type RequestStateCodec,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";

export interface ConfirmationState {
  subject: string;
}

export type ConfirmationCodec = RequestStateCodec<ConfirmationState>;

export type ConfirmationOutcome =
  | { kind: "confirmed" }
  | { kind: "declined" }
  /** Return `result` from the tool: the client asks its user and the call comes back with the answer. */
  | { kind: "ask"; result: InputRequiredResult }
  /** The client declared no way to ask its user (or this request has no channel for it). */
  | { kind: "cannot-ask" };

/** The bytes a state key must have at least (HMAC-SHA256). */
export const MIN_STATE_KEY_BYTES = 32;

export function createConfirmationCodec(key: string): ConfirmationCodec {
  return createRequestStateCodec<ConfirmationState>({
    key,
    ttlSeconds: 600,
    bind: (ctx) => `${ctx.mcpReq.method}\0${callerOf(ctx)}`,
  });
}

const INPUT_KEY = "confirm";
const ANSWER = z.object({ confirm: z.boolean().describe("Yes, go ahead") });

/** Confirmation of `subject` from the user, or how to get it. */
export async function confirmWithUser(
  ctx: ServerContext,
  server: McpServer,
  codec: ConfirmationCodec,
  message: string,
  subject: string,
): Promise<ConfirmationOutcome> {
  const answer = ctx.mcpReq.inputResponses?.[INPUT_KEY] as
    | { action?: unknown; content?: unknown }
    | undefined;
  // The state was verified by the SDK (ServerOptions.requestState.verify) before the handler ran.
  const state = ctx.mcpReq.requestState<ConfirmationState>();
  if (answer !== undefined && state?.subject === subject) {
    const content = ANSWER.safeParse(answer.content);
    return answer.action === "accept" && content.success && content.data.confirm
      ? { kind: "confirmed" }
      : { kind: "declined" };
  }
  if (!canElicit(ctx, server)) return { kind: "cannot-ask" };
  return {
    kind: "ask",
    result: inputRequired({
      inputRequests: { [INPUT_KEY]: inputRequired.elicit({ message, requestedSchema: ANSWER }) },
      requestState: await codec.mint({ subject }, ctx),
    }),
  };
}

interface Elicitation {
  form?: unknown;
  url?: unknown;
}

/** Can this request's client show the user a form? */
function canElicit(ctx: ServerContext, server: McpServer): boolean {
  const envelope = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[
    CLIENT_CAPABILITIES_META_KEY
  ] as { elicitation?: Elicitation } | undefined;
  // 2026-07-28: each request declares what its client can do.
  if (envelope !== undefined) return formElicitation(envelope.elicitation);
  // 2025: the capabilities declared at initialize; a request answered in JSON has no stream to carry
  // the SDK's elicitation/create to the client, so it would wait out the shim's round timeout.
  if (ctx.http?.authInfo?.extra?.answersInJson === true) return false;
  return declaredFormElicitation(server);
}

/** Did the 2025 client of `server` declare at initialize that it can show its user a form? */
export function declaredFormElicitation(server: McpServer): boolean {
  const declared = server.server.getClientCapabilities() as { elicitation?: Elicitation } | undefined;
  return formElicitation(declared?.elicitation);
}

function formElicitation(elicitation: Elicitation | undefined): boolean {
  if (elicitation === undefined) return false;
  // `elicitation: {}` predates the form/url split and means form.
  return elicitation.form !== undefined || elicitation.url === undefined;
}

function callerOf(ctx: ServerContext): string {
  const authInfo = ctx.http?.authInfo;
  return String(authInfo?.extra?.principal ?? authInfo?.clientId ?? "local");
}
