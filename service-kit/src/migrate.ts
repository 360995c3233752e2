/**
 * Versioned SQL migrations. Each service embeds its `.sql` files (text imports), so the compiled
 * binary needs nothing beside it. A migration is applied at most once and recorded in
 * `schema_migrations`; the ones a start finds pending are applied together in one transaction.
 */
import type { SQL } from "bun";
import type { Database, Dialect } from "./db.ts";

export interface Migration {
  /** Sortable id such as "001_products". */
  id: string;
  /** SQL for both dialects, or per dialect where they differ. */
  sql: string | Record<Dialect, string>;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

function splitStatements(script: string): string[] {
  return script
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, "").trim())
    .filter((statement) => statement.length > 0);
}

async function appliedIds(sql: SQL): Promise<Set<string>> {
  const rows = (await sql`SELECT id FROM schema_migrations`) as { id: string }[];
  return new Set(rows.map((row) => row.id));
}

export async function migrate(db: Database, migrations: readonly Migration[]): Promise<MigrationReport> {
  const { sql } = db;
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`;
  const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  const ids = ordered.map((migration) => migration.id);
  // Almost every start finds nothing to do: one read says so, without opening a transaction.
  const known = await appliedIds(sql);
  if (ordered.every((migration) => known.has(migration.id))) return { applied: [], alreadyApplied: ids };
  // One transaction for all pending migrations: one commit (one fsync under synchronous=FULL) however
  // many there are, and a failing one leaves none of them behind.
  const applied = await sql.begin(async (tx) => {
    // Two instances may start together; on PostgreSQL the advisory lock makes the second one wait
    // and then see the migrations as done.
    if (db.dialect === "postgres") await tx`SELECT pg_advisory_xact_lock(727274)`;
    const done = await appliedIds(tx as unknown as SQL);
    const pending = ordered.filter((migration) => !done.has(migration.id));
    const appliedAt = new Date().toISOString();
    for (const migration of pending) {
      const script = typeof migration.sql === "string" ? migration.sql : migration.sql[db.dialect];
      for (const statement of splitStatements(script)) await tx.unsafe(statement);
      await tx`INSERT INTO schema_migrations (id, applied_at) VALUES (${migration.id}, ${appliedAt})`;
    }
    return pending.map((migration) => migration.id);
  });
  const appliedNow = new Set(applied);
  return { applied, alreadyApplied: ids.filter((id) => !appliedNow.has(id)) };
}
