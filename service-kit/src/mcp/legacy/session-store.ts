/**
 * Sessions live in the service database so that any instance behind the load balancer can serve
 * any request of any session: an instance that has never seen a session rebuilds it from its row,
 * and a DELETE on one instance removes the row for all of them.
 */
import type { Database } from "../../db.ts";
import type { SessionEndings } from "../../events/session-endings.ts";
import type { Migration } from "../../migrate.ts";

export interface SessionRecord {
  id: string;
  principal: string;
  protocolVersion: string;
  clientInfo: unknown;
  clientCapabilities: unknown;
  createdAt: number;
  lastSeenAt: number;
}

export const sessionMigrations: readonly Migration[] = [
  {
    id: "000_kit_mcp_sessions",
    sql: `CREATE TABLE IF NOT EXISTS mcp_sessions (
  id TEXT PRIMARY KEY,
  principal TEXT NOT NULL,
  protocol_version TEXT NOT NULL,
  client_info TEXT NOT NULL,
  client_capabilities TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS mcp_sessions_last_seen ON mcp_sessions (last_seen_at);`,
  },
  {
    // For the cap on live sessions per principal (session-limits.ts), checked at every initialize.
    id: "001_kit_mcp_sessions_principal",
    sql: "CREATE INDEX IF NOT EXISTS mcp_sessions_principal ON mcp_sessions (principal, last_seen_at);",
  },
];

/** What every request to a session held here reads of its row. */
export interface SessionLiveness {
  principal: string;
  lastSeenAt: number;
}

interface SessionRow {
  id: string;
  principal: string;
  protocol_version: string;
  client_info: string;
  client_capabilities: string;
  created_at: number | string;
  last_seen_at: number | string;
}

export class SessionStore {
  constructor(private readonly db: Database) {}

  async create(record: SessionRecord): Promise<void> {
    await this.db.write(
      (
        sql,
      ) => sql`INSERT INTO mcp_sessions (id, principal, protocol_version, client_info, client_capabilities, created_at, last_seen_at)
      VALUES (${record.id}, ${record.principal}, ${record.protocolVersion}, ${JSON.stringify(record.clientInfo ?? {})},
              ${JSON.stringify(record.clientCapabilities ?? {})}, ${record.createdAt}, ${record.lastSeenAt})`,
    );
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const rows = (await this.db.sql`SELECT * FROM mcp_sessions WHERE id = ${id}`) as SessionRow[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      principal: row.principal,
      protocolVersion: row.protocol_version,
      clientInfo: JSON.parse(row.client_info),
      clientCapabilities: JSON.parse(row.client_capabilities),
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
    };
  }

  /**
   * Who owns session `id` and when it was last seen: what a request to a session this instance already
   * holds needs to know it is still live, without reading (and parsing) what only a rebuild needs.
   */
  async liveness(id: string): Promise<SessionLiveness | undefined> {
    const rows = (await this.db
      .sql`SELECT principal, last_seen_at FROM mcp_sessions WHERE id = ${id}`) as Pick<
      SessionRow,
      "principal" | "last_seen_at"
    >[];
    const row = rows[0];
    return row ? { principal: row.principal, lastSeenAt: Number(row.last_seen_at) } : undefined;
  }

  /** Marks session `id` seen at `at`; false when its row is gone. */
  async touch(id: string, at: number): Promise<boolean> {
    const result = await this.db.write(
      (sql) => sql`UPDATE mcp_sessions SET last_seen_at = ${at} WHERE id = ${id}`,
    );
    return (result.count ?? 0) > 0;
  }

  /** Deletes session `id`; with `endings`, every instance is told in the same transaction. */
  async delete(id: string, endings?: Pick<SessionEndings, "announceEnd">): Promise<void> {
    await this.db.write(async (sql) => {
      await sql`DELETE FROM mcp_sessions WHERE id = ${id}`;
      await endings?.announceEnd(sql, id);
    });
  }

  /** Removes sessions idle since before `cutoff`; returns how many went. */
  async deleteIdleSince(cutoff: number): Promise<number> {
    const result = await this.db.write((sql) => sql`DELETE FROM mcp_sessions WHERE last_seen_at < ${cutoff}`);
    return result.count ?? 0;
  }

  /** Sessions of `principal` seen at or after `since` (older ones have expired, swept or not). */
  async countLive(principal: string, since: number): Promise<number> {
    const rows = (await this.db.sql`SELECT count(*) AS n FROM mcp_sessions
      WHERE principal = ${principal} AND last_seen_at >= ${since}`) as { n: number | string }[];
    return Number(rows[0]?.n ?? 0);
  }
}
