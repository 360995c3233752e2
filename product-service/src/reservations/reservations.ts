/**
 * Stock reservations for orders, all items or none, idempotent on the order id. Stock only moves
 * through conditional updates (`stock >= q`), so it never goes below zero whatever runs in parallel.
 *
 * Reservations that arrive together share one transaction and one durable COMMIT, and are answered
 * only once it has committed. On SQLite every write goes through `db.write`, whose group commit gives
 * each its own savepoint. On PostgreSQL the reservations that arrive together are read, decided and
 * written together in one transaction (postgres-batches.ts, postgres-reserve-together.ts), and one
 * that arrives alone is one statement (postgres-reserve.ts). Both dialects decide on what they read
 * the same way (decide.ts).
 */
import type { SQL } from "bun";
import { itemsFingerprint, normalizeItems } from "reservation-contract";
import type { Database } from "service-kit";
import { type ChangePublisher, productsChanged } from "../catalog/changes.ts";
import {
  type Decision,
  decideReservation,
  type ProductStockRow,
  type ReservationRequest,
  type StoredReservation,
} from "./decide.ts";
import { PostgresReservationBatches } from "./postgres-batches.ts";
import type { ReleaseOutcome, RequestedItem, ReservedLine, ReserveOutcome } from "./types.ts";

const MAX_ATTEMPTS = 3;

/** Thrown inside a transaction to roll it back and run the attempt again. */
class LostRace extends Error {}

interface LineRow {
  product_id: string;
  product_name: string;
  quantity: number | string;
  unit_price_cents: number | string;
  currency: string;
}

function toLine(row: LineRow): ReservedLine {
  return {
    productId: row.product_id,
    name: row.product_name,
    quantity: Number(row.quantity),
    unitPriceCents: Number(row.unit_price_cents),
    currency: row.currency,
  };
}

export class Reservations {
  /** PostgreSQL only: the transactions reservation statements share (SQLite's `db.write` shares its own). */
  private readonly postgresBatches: PostgresReservationBatches | undefined;

  /** `changes` hears of every committed stock change, for live updates; without it nothing is announced. */
  constructor(
    private readonly db: Pick<Database, "sql" | "write" | "dialect">,
    private readonly changes?: ChangePublisher,
  ) {
    this.postgresBatches = db.dialect === "postgres" ? new PostgresReservationBatches(db.sql) : undefined;
  }

  private get sql(): SQL {
    return this.db.sql;
  }

  /**
   * With `maxTotalCents`, a new reservation whose total is above it reserves nothing and answers
   * above_limit with the total (create_order asks the user first); a replay is answered as it was made.
   */
  async reserve(
    orderId: string,
    requested: readonly RequestedItem[],
    maxTotalCents?: number,
  ): Promise<ReserveOutcome> {
    const items = normalizeItems(requested);
    for (let attempt = 1; ; attempt++) {
      try {
        // On PostgreSQL the statement's transaction is postgres-batches.ts's; on SQLite, db.write's.
        if (this.postgresBatches) return await this.tryReserve(this.sql, orderId, items, maxTotalCents);
        return await this.db.write((tx) => this.tryReserve(tx, orderId, items, maxTotalCents));
      } catch (error) {
        if (!(error instanceof LostRace) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async release(orderId: string): Promise<ReleaseOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.write((tx) => this.tryRelease(tx, orderId));
      } catch (error) {
        if (!(error instanceof LostRace) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The lines held for an order, or undefined when it holds nothing. */
  async active(orderId: string): Promise<ReservedLine[] | undefined> {
    const rows = (await this.sql`
      SELECT status FROM reservations WHERE order_id = ${orderId}`) as Pick<StoredReservation, "status">[];
    if (rows[0]?.status !== "active") return undefined;
    return this.lines(this.sql, orderId);
  }

  private async tryReserve(
    sql: SQL,
    orderId: string,
    items: RequestedItem[],
    maxTotalCents: number | undefined,
  ): Promise<ReserveOutcome> {
    const request: ReservationRequest = {
      orderId,
      items,
      fingerprint: itemsFingerprint(items),
      maxTotalCents,
    };
    const now = new Date().toISOString();
    if (this.postgresBatches) return this.tryReserveOnPostgres(sql, this.postgresBatches, request, now);
    const existing = (await sql`
      SELECT items_fingerprint, status FROM reservations WHERE order_id = ${orderId}`) as StoredReservation[];
    const products = existing[0]
      ? []
      : ((await sql`
      SELECT id, name, price_cents, currency, stock FROM products
      WHERE id IN ${sql(items.map((item) => item.productId))}`) as ProductStockRow[]);
    const decision = decideReservation(request, existing[0], products);
    if (decision.kind !== "take") return this.answer(sql, orderId, decision);
    const inserted = await sql`
      INSERT INTO reservations (order_id, items_fingerprint, status, created_at)
      VALUES (${orderId}, ${request.fingerprint}, 'active', ${now})
      ON CONFLICT DO NOTHING`;
    // Another transaction reserved this order between our read and our insert: start again to replay it.
    if (inserted.count !== 1) throw new LostRace();
    for (const line of decision.lines) {
      const updated = await sql`
        UPDATE products SET stock = stock - ${line.quantity}
        WHERE id = ${line.productId} AND stock >= ${line.quantity}`;
      if (updated.count !== 1) throw new LostRace();
      await sql`
        INSERT INTO reservation_lines (order_id, product_id, product_name, quantity, unit_price_cents, currency)
        VALUES (${orderId}, ${line.productId}, ${line.name}, ${line.quantity}, ${line.unitPriceCents}, ${line.currency})`;
    }
    await this.changes?.publish(sql, productsChanged(decision.lines.map((line) => line.productId)));
    return { kind: "reserved", orderId, lines: decision.lines, replayed: false };
  }

  /** One statement reads and, when the decision on what it read is "take", has written and committed. */
  private async tryReserveOnPostgres(
    sql: SQL,
    batches: PostgresReservationBatches,
    request: ReservationRequest,
    now: string,
  ): Promise<ReserveOutcome> {
    const attempt = await batches.reserve(request, now);
    if (attempt.kind === "stock_moved") throw new LostRace();
    const decision = decideReservation(request, attempt.stored, attempt.products);
    if (decision.kind !== "take") {
      if (attempt.reserved) {
        throw new Error(`reservation ${request.orderId} was written although the catalogue refuses it`);
      }
      return this.answer(sql, request.orderId, decision);
    }
    // The order got its reservation from another call after this statement's snapshot: replay it.
    if (!attempt.reserved) throw new LostRace();
    // Its transaction has committed by now.
    this.changes?.publishCommitted(productsChanged(decision.lines.map((line) => line.productId)));
    return { kind: "reserved", orderId: request.orderId, lines: decision.lines, replayed: false };
  }

  /** The answer when nothing new is written: a refusal, or the lines the order reserved before. */
  private async answer(
    sql: SQL,
    orderId: string,
    decision: Exclude<Decision, { kind: "take" }>,
  ): Promise<ReserveOutcome> {
    if (decision.kind === "refuse") return decision.outcome;
    return { kind: "reserved", orderId, lines: await this.lines(sql, orderId), replayed: true };
  }

  private async tryRelease(tx: SQL, orderId: string): Promise<ReleaseOutcome> {
    const existing = (await tx`
      SELECT items_fingerprint, status FROM reservations WHERE order_id = ${orderId}`) as StoredReservation[];
    const found = existing[0];
    const now = new Date().toISOString();
    if (!found) {
      // Block the order id: a reservation request that was delayed in the network must not take stock
      // for an order that has been cancelled in the meantime.
      const inserted = await tx`
        INSERT INTO reservations (order_id, items_fingerprint, status, created_at, released_at)
        VALUES (${orderId}, '', 'released', ${now}, ${now})
        ON CONFLICT DO NOTHING`;
      if (inserted.count !== 1) throw new LostRace();
      return { orderId, restored: [], result: "unknown" };
    }
    if (found.status === "released") return { orderId, restored: [], result: "already_released" };
    const marked = await tx`
      UPDATE reservations SET status = 'released', released_at = ${now}
      WHERE order_id = ${orderId} AND status = 'active'`;
    if (marked.count !== 1) throw new LostRace();
    const lines = await this.lines(tx, orderId);
    for (const line of lines) {
      await tx`UPDATE products SET stock = stock + ${line.quantity} WHERE id = ${line.productId}`;
    }
    await this.changes?.publish(tx, productsChanged(lines.map((line) => line.productId)));
    return {
      orderId,
      restored: lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
      result: "released",
    };
  }

  private async lines(sql: SQL, orderId: string): Promise<ReservedLine[]> {
    const rows = (await sql`
      SELECT product_id, product_name, quantity, unit_price_cents, currency
      FROM reservation_lines WHERE order_id = ${orderId} ORDER BY product_id`) as LineRow[];
    return rows.map(toLine);
  }
}
