/**
 * Server→client requests across instances. During a tool call the server may ask the client something
 * (sampling, elicitation); the client POSTs its answer to the session's endpoint, and behind a load
 * balancer that POST can reach another instance, whose copy of the session never asked. That instance
 * parks the answer in the database; the instance that asked polls for it while it waits.
 *
 * Only answers someone waits for are parked: before the server sends a request it opens a slot (a row
 * with an empty message) for that session and id, and a deposit fills an open, empty slot or is refused.
 * So a caller cannot park data the server never asked for, the parked answers of a session are at most
 * its outstanding requests, and each answer is at most MAX_RELAYED_MESSAGE_BYTES.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import type { Database } from "../../db.ts";
import type { Migration } from "../../migrate.ts";

export const relayMigrations: readonly Migration[] = [
  {
    id: "000_kit_mcp_client_responses",
    sql: `CREATE TABLE IF NOT EXISTS mcp_client_responses (
  session_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (session_id, request_id)
);
CREATE INDEX IF NOT EXISTS mcp_client_responses_created ON mcp_client_responses (created_at);`,
  },
];

export type RequestId = string | number;

/** Largest answer parked for another instance (a sampling result with a large image may not fit). */
export const MAX_RELAYED_MESSAGE_BYTES = 256 * 1024;

/** Marks a slot whose request is still waiting for its answer. */
const AWAITING = "";

export type DepositOutcome = "parked" | "not-outstanding" | "too-large";

/** A JSON-RPC response (result or error) rather than a request or notification. */
export function responseId(message: unknown): RequestId | undefined {
  const value = message as { id?: unknown; method?: unknown; result?: unknown; error?: unknown } | null;
  if (typeof value !== "object" || value === null || value.method !== undefined) return undefined;
  if (!("result" in value) && !("error" in value)) return undefined;
  return typeof value.id === "string" || typeof value.id === "number" ? value.id : undefined;
}

export class ClientResponseRelay {
  constructor(
    private readonly db: Database,
    readonly pollMs = 200,
    readonly maxMessageBytes = MAX_RELAYED_MESSAGE_BYTES,
  ) {}

  /** Opens the slot for request `id`, before the server sends it, so its answer may land anywhere. */
  async expect(sessionId: string, id: RequestId): Promise<void> {
    const key = JSON.stringify(id);
    await this.db.write(async (sql) => {
      await sql`DELETE FROM mcp_client_responses WHERE session_id = ${sessionId} AND request_id = ${key}`;
      await sql`INSERT INTO mcp_client_responses (session_id, request_id, message, created_at)
        VALUES (${sessionId}, ${key}, ${AWAITING}, ${Date.now()})`;
    });
  }

  /** Parks a client's answer for the instance that asked, if that request is still waiting for one. */
  async deposit(sessionId: string, message: JSONRPCMessage): Promise<DepositOutcome> {
    const id = responseId(message);
    if (id === undefined) throw new Error("only JSON-RPC responses can be relayed");
    const text = JSON.stringify(message);
    const key = JSON.stringify(id);
    if (Buffer.byteLength(text) > this.maxMessageBytes) {
      // Say what is wrong first: an answer nobody waits for is refused as such, whatever its size.
      const open = (await this.db.sql`SELECT 1 AS open FROM mcp_client_responses
        WHERE session_id = ${sessionId} AND request_id = ${key} AND message = ${AWAITING}`) as unknown[];
      return open.length > 0 ? "too-large" : "not-outstanding";
    }
    const result = await this.db.write(
      (sql) => sql`UPDATE mcp_client_responses SET message = ${text}
        WHERE session_id = ${sessionId} AND request_id = ${key} AND message = ${AWAITING}`,
    );
    return (result.count ?? 0) > 0 ? "parked" : "not-outstanding";
  }

  /** Takes (and removes) the parked answer to request `id` of this session, if it has arrived. */
  async take(sessionId: string, id: RequestId): Promise<JSONRPCMessage | undefined> {
    const key = JSON.stringify(id);
    // Read and delete in one statement, so that two pollers can never both take the same answer.
    const rows = (await this.db.write(
      (sql) => sql`DELETE FROM mcp_client_responses
        WHERE session_id = ${sessionId} AND request_id = ${key} AND message <> ${AWAITING}
        RETURNING message`,
    )) as { message: string }[];
    const row = rows[0];
    return row ? (JSON.parse(row.message) as JSONRPCMessage) : undefined;
  }

  /** Closes the slot of a request that was answered here, cancelled or given up on. */
  async forget(sessionId: string, id: RequestId): Promise<void> {
    const key = JSON.stringify(id);
    await this.db.write(
      (sql) => sql`DELETE FROM mcp_client_responses WHERE session_id = ${sessionId} AND request_id = ${key}`,
    );
  }

  /** Drops slots and answers nobody collected (the asking instance stopped or gave up). */
  async prune(cutoff: number): Promise<number> {
    const result = await this.db.write(
      (sql) => sql`DELETE FROM mcp_client_responses WHERE created_at < ${cutoff}`,
    );
    return result.count ?? 0;
  }
}
