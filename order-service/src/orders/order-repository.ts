/**
 * SQL for orders and their lines, for SQLite and PostgreSQL through Bun's SQL client. Every read that
 * serves a caller is scoped by principal. Every write goes through `db.write`: on SQLite it shares a
 * group commit with the writes that arrive beside it, and resolves only once it is durable.
 * On PostgreSQL the two writes of every order are one statement each (postgres-order-writes.ts).
 */
import type { SQL } from "bun";
import type { ReservedLine } from "reservation-contract";
import type { Database } from "service-kit";
import { type ChangePublisher, orderChanged, orderPlaced, orderWithdrawn } from "./changes.ts";
import { confirmOnPostgres, insertPendingOnPostgres, ORDER_COLUMNS } from "./postgres-order-writes.ts";
import { PostgresWriteBatches } from "./postgres-write-batches.ts";
import { statusesAllowing } from "./state.ts";
import type { Order, OrderItem, OrderLine, OrderStatus } from "./types.ts";

interface OrderRow {
  id: string;
  principal: string;
  idempotency_key: string | null;
  items_fingerprint: string;
  status: OrderStatus;
  note: string | null;
  total_cents: number | string | null;
  currency: string | null;
  rejection_reason: string | null;
  max_total_cents: number | string | null;
  created_at: string;
  updated_at: string;
}

interface LineRow {
  order_id: string;
  product_id: string;
  quantity: number | string;
  product_name: string | null;
  unit_price_cents: number | string | null;
}

export interface PendingOrder {
  id: string;
  principal: string;
  idempotencyKey: string | null;
  itemsFingerprint: string;
  note: string | null;
  maxTotalCents: number | null;
  items: OrderItem[];
  createdAt: string;
}

export interface Confirmation {
  lines: Pick<ReservedLine, "productId" | "name" | "unitPriceCents">[];
  totalCents: number;
  currency: string;
}

function toOrder(row: OrderRow, lines: LineRow[]): Order {
  return {
    id: row.id,
    principal: row.principal,
    idempotencyKey: row.idempotency_key,
    itemsFingerprint: row.items_fingerprint,
    status: row.status,
    note: row.note,
    totalCents: row.total_cents === null ? null : Number(row.total_cents),
    currency: row.currency,
    rejectionReason: row.rejection_reason,
    maxTotalCents: row.max_total_cents === null ? null : Number(row.max_total_cents),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lines: lines.map(
      (line): OrderLine => ({
        productId: line.product_id,
        quantity: Number(line.quantity),
        name: line.product_name,
        unitPriceCents: line.unit_price_cents === null ? null : Number(line.unit_price_cents),
      }),
    ),
  };
}

/** The order exactly as insertPending stores it, so that it need not be read back. */
function pendingAsStored(order: PendingOrder): Order {
  return {
    id: order.id,
    principal: order.principal,
    idempotencyKey: order.idempotencyKey,
    itemsFingerprint: order.itemsFingerprint,
    status: "pending",
    note: order.note,
    totalCents: null,
    currency: null,
    rejectionReason: null,
    maxTotalCents: order.maxTotalCents,
    createdAt: order.createdAt,
    updatedAt: order.createdAt,
    lines: order.items.map((item) => ({
      productId: item.productId,
      quantity: item.quantity,
      name: null,
      unitPriceCents: null,
    })),
  };
}

/** A pending order as `confirm` leaves it, so that it need not be read back. */
export function confirmedAsStored(order: Order, confirmation: Confirmation, at: string): Order {
  const priced = new Map(confirmation.lines.map((line) => [line.productId, line]));
  return {
    ...order,
    status: "confirmed",
    totalCents: confirmation.totalCents,
    currency: confirmation.currency,
    updatedAt: at,
    lines: order.lines.map((line) => {
      const price = priced.get(line.productId);
      return price ? { ...line, name: price.name, unitPriceCents: price.unitPriceCents } : line;
    }),
  };
}

export class OrderRepository {
  private readonly sql: SQL;
  private readonly postgres: boolean;
  private readonly postgresWrites: PostgresWriteBatches;

  /** `changes` hears of every committed change, for live updates; without it nothing is announced. */
  constructor(
    private readonly db: Pick<Database, "sql" | "write" | "dialect">,
    private readonly changes?: ChangePublisher,
  ) {
    this.sql = db.sql;
    this.postgres = db.dialect === "postgres";
    this.postgresWrites = new PostgresWriteBatches(db.sql);
  }

  /**
   * Inserts a pending order unless the principal already used its idempotency key. Returns the stored
   * order either way; `created` says which. The unique index decides races: the loser inserts nothing.
   */
  async insertPending(order: PendingOrder): Promise<{ order: Order; created: boolean }> {
    const created = this.postgres
      ? await this.postgresWrites.run(insertPendingOnPostgres, order)
      : await this.db.write(async (tx) => {
          const inserted = await tx.unsafe(
            `INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, 'pending', $5, NULL, NULL, NULL, $6, $7, $7)
         ON CONFLICT DO NOTHING`,
            [
              order.id,
              order.principal,
              order.idempotencyKey,
              order.itemsFingerprint,
              order.note,
              order.maxTotalCents,
              order.createdAt,
            ],
          );
          if (inserted.count !== 1) return false;
          for (const [index, item] of order.items.entries()) {
            await tx`INSERT INTO order_lines (order_id, line_no, product_id, quantity)
          VALUES (${order.id}, ${index + 1}, ${item.productId}, ${item.quantity})`;
          }
          await this.changes?.publish(tx, orderPlaced(order.id, order.principal));
          return true;
        });
    // On PostgreSQL the insert has committed by now (postgres-write-batches.ts answers after the COMMIT).
    if (created && this.postgres) this.changes?.publishCommitted(orderPlaced(order.id, order.principal));
    if (created) return { order: pendingAsStored(order), created };
    const stored = await this.findByKey(order.principal, order.idempotencyKey ?? "");
    if (!stored) throw new Error(`order ${order.id} was neither inserted nor found by its idempotency key`);
    return { order: stored, created };
  }

  async find(principal: string, id: string): Promise<Order | undefined> {
    const rows = (await this.sql.unsafe(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND principal = $2`,
      [id, principal],
    )) as OrderRow[];
    return (await this.withLines(rows))[0];
  }

  async findByKey(principal: string, key: string): Promise<Order | undefined> {
    const rows = (await this.sql.unsafe(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE principal = $1 AND idempotency_key = $2`,
      [principal, key],
    )) as OrderRow[];
    return (await this.withLines(rows))[0];
  }

  /** Newest first; `beforeId` continues after the last order of the previous page. */
  async list(
    principal: string,
    options: { status?: OrderStatus; beforeId?: string; limit: number },
  ): Promise<Order[]> {
    const conditions = ["principal = $1"];
    const params: unknown[] = [principal];
    if (options.status) {
      params.push(options.status);
      conditions.push(`status = $${params.length}`);
    }
    if (options.beforeId) {
      params.push(options.beforeId);
      conditions.push(`id < $${params.length}`);
    }
    params.push(options.limit);
    // SQLite prepares a statement again whenever a bare LIMIT parameter is bound; behind a CAST the
    // prepared statement is reused (product-service/src/catalog/search.ts measured it).
    const rows = (await this.sql.unsafe(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${conditions.join(" AND ")} ORDER BY id DESC LIMIT CAST($${params.length} AS INTEGER)`,
      params,
    )) as OrderRow[];
    return this.withLines(rows);
  }

  /** Pending orders created before `cutoff`, oldest first, of every principal (for the reconciler). */
  async pendingBefore(cutoff: string, limit: number): Promise<Order[]> {
    const rows = (await this.sql.unsafe(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT CAST($2 AS INTEGER)`,
      [cutoff, limit],
    )) as OrderRow[];
    return this.withLines(rows);
  }

  /**
   * pending → confirmed with the catalogue's prices, at `now`; false when the order was no longer
   * pending. When true, the order is stored as confirmedAsStored(order, confirmation, now) describes.
   */
  async confirm(id: string, confirmation: Confirmation, now: string): Promise<boolean> {
    if (this.postgres) {
      const owner = await this.postgresWrites.run(confirmOnPostgres, { id, confirmation, now });
      if (owner !== undefined) this.changes?.publishCommitted(orderChanged(id, owner));
      return owner !== undefined;
    }
    return this.db.write(async (tx) => {
      const updated = (await tx`UPDATE orders
        SET status = 'confirmed', total_cents = ${confirmation.totalCents}, currency = ${confirmation.currency},
            updated_at = ${now}
        WHERE id = ${id} AND status = 'pending' RETURNING principal`) as { principal: string }[];
      const owner = updated[0]?.principal;
      if (updated.length !== 1 || owner === undefined) return false;
      for (const line of confirmation.lines) {
        await tx`UPDATE order_lines SET product_name = ${line.name}, unit_price_cents = ${line.unitPriceCents}
          WHERE order_id = ${id} AND product_id = ${line.productId}`;
      }
      await this.changes?.publish(tx, orderChanged(id, owner));
      return true;
    });
  }

  /**
   * Deletes an order that is still pending, with its lines: one the user has not confirmed and that
   * turned out to cost more than its cap, so nothing was reserved and nothing was ordered.
   */
  async dropPending(id: string): Promise<boolean> {
    return this.db.write(async (tx) => {
      const pending = (await tx`SELECT principal FROM orders WHERE id = ${id} AND status = 'pending'`) as {
        principal: string;
      }[];
      const owner = pending[0]?.principal;
      if (pending.length !== 1 || owner === undefined) return false;
      await tx`DELETE FROM order_lines WHERE order_id = ${id}`;
      await tx`DELETE FROM orders WHERE id = ${id} AND status = 'pending'`;
      await this.changes?.publish(tx, orderWithdrawn(id, owner));
      return true;
    });
  }

  /** Moves an order to `rejected` or `cancelled` from any state the state machine allows. */
  async finish(id: string, to: "rejected" | "cancelled", reason: string | null): Promise<boolean> {
    const now = new Date().toISOString();
    const from = statusesAllowing(to);
    return this.db.write(async (tx) => {
      const updated = (await tx`UPDATE orders
        SET status = ${to}, rejection_reason = COALESCE(${reason}, rejection_reason), updated_at = ${now}
        WHERE id = ${id} AND status IN ${tx(from)} RETURNING principal`) as { principal: string }[];
      const owner = updated[0]?.principal;
      if (updated.length !== 1 || owner === undefined) return false;
      await this.changes?.publish(tx, orderChanged(id, owner));
      return true;
    });
  }

  private async withLines(rows: OrderRow[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const lines = (await this.sql`
      SELECT order_id, product_id, quantity, product_name, unit_price_cents FROM order_lines
      WHERE order_id IN ${this.sql(ids)} ORDER BY order_id, line_no`) as LineRow[];
    const byOrder = new Map<string, LineRow[]>();
    for (const line of lines) byOrder.set(line.order_id, [...(byOrder.get(line.order_id) ?? []), line]);
    return rows.map((row) => toOrder(row, byOrder.get(row.id) ?? []));
  }
}
