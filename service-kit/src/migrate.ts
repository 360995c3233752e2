/**
 * Versioned SQL migrations. Each service embeds its `.sql` files (text imports), so the compiled
 * binary needs nothing beside it. A migration is applied at most once, inside a transaction, and
 * recorded in `schema_migrations`.
 */
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

export async function migrate(db: Database, migrations: readonly Migration[]): Promise<MigrationReport> {
  const { sql } = db;
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`;
  const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of ordered) {
    const script = typeof migration.sql === "string" ? migration.sql : migration.sql[db.dialect];
    const appliedNow = await sql.begin(async (tx) => {
      // Two instances may start together; on PostgreSQL the advisory lock makes the second one wait
      // and then see the migration as done.
      if (db.dialect === "postgres") await tx`SELECT pg_advisory_xact_lock(727274)`;
      const done = await tx`SELECT id FROM schema_migrations WHERE id = ${migration.id}`;
      if (done.length > 0) return false;
      for (const statement of splitStatements(script)) await tx.unsafe(statement);
      await tx`INSERT INTO schema_migrations (id, applied_at) VALUES (${migration.id}, ${new Date().toISOString()})`;
      return true;
    });
    (appliedNow ? report.applied : report.alreadyApplied).push(migration.id);
  }
  return report;
}
