/**
 * Sends committed changes to every instance with NOTIFY, after their write has committed, batched.
 *
 * Why not `pg_notify` inside the write's own transaction: PostgreSQL serialises the commits of
 * transactions that NOTIFY (a database-wide lock held through the commit's WAL flush), so every
 * notifying write would wait for the previous one's fsync and group commit would be lost. Measured
 * here with pgbench, 32 clients, INSERT + COMMIT: 2,900–3,100 tps without NOTIFY, 930–1,350 with it.
 * So the write commits alone and its events follow in a transaction of their own that writes no data:
 * it commits with `synchronous_commit = off` (nothing in it needs to be durable) and carries every event
 * that came in during one event-loop turn, or while the previous batch was being sent, so under load one
 * NOTIFY transaction serves many writes. Without the turn, the first event of a quiet moment went out
 * alone, and so did most: the statement returns quickly, so few events queued behind it
 * (pg_stat_statements under create_order: about one NOTIFY statement per order).
 * What this gives up: an instance that dies between a write's commit and its batch drops those events
 * (listeners see the change at their next read). A rolled-back write still notifies nobody.
 */
import type { SQL } from "bun";
import type { Logger } from "../log.ts";
import { type ChangeEvent, encodeChange } from "./change-event.ts";

// One statement, its own transaction: async commit for this transaction only, then one NOTIFY per event.
const NOTIFY_BATCH = `SELECT set_config('synchronous_commit', 'off', true),
  (SELECT count(pg_notify($1, payload)) FROM json_array_elements_text($2::json) AS payload)`;

export class PostgresNotifier {
  private queued: string[] = [];
  private sending: Promise<void> | undefined;

  constructor(
    private readonly sql: SQL,
    private readonly channel: string,
    private readonly log?: Logger,
  ) {}

  /** Queues the events of a committed write; they go out with the next batch. */
  send(events: readonly ChangeEvent[]): void {
    for (const event of events) this.queued.push(encodeChange(event));
    this.sending ??= this.drain();
  }

  /** Resolves once everything queued so far has been sent (or given up on). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        // One event-loop turn lets the other writes committed by the same batch queue their events.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queued;
        this.queued = [];
        try {
          await this.sql.unsafe(NOTIFY_BATCH, [this.channel, batch]);
        } catch (error) {
          // PostgreSQL is unreachable (restart, failover): the heartbeat puts the bus down and new
          // listeners are refused; these changes are already committed and readable.
          this.log?.warn("change events not sent: PostgreSQL did not take the NOTIFY", {
            events: batch.length,
            error: String(error),
          });
        }
      }
    } finally {
      this.sending = undefined;
    }
  }
}
