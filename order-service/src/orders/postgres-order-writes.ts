/**
 * The two writes of every order on PostgreSQL, one statement each: the order and its lines together
 * through data-modifying CTEs, instead of BEGIN, one statement per row and COMMIT (one round trip
 * instead of four, and a quarter of the statements for PostgreSQL to parse and run). A single statement
 * is its own transaction, so it is as atomic, and as durable once acknowledged (synchronous_commit
 * on). SQLite has no data-modifying CTEs, and its group commit already shares one COMMIT between the
 * writes that arrive together, so order-repository.ts keeps per-row statements there.
 */
import type { SQL } from "bun";
import type { Confirmation, PendingOrder } from "./order-repository.ts";

export const ORDER_COLUMNS =
  "id, principal, idempotency_key, items_fingerprint, status, note, total_cents, currency, rejection_reason, max_total_cents, created_at, updated_at";

/** The order and its lines in one statement; `created` is 0 when the idempotency key was taken. */
const INSERT_PENDING = `WITH inserted AS (
    INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, 'pending', $5, NULL, NULL, NULL, $6, $7, $7)
    ON CONFLICT DO NOTHING RETURNING id
  ), lines AS (
    INSERT INTO order_lines (order_id, line_no, product_id, quantity)
    SELECT inserted.id, item.line_no, item.product_id, item.quantity
    FROM inserted, jsonb_to_recordset($8::jsonb) AS item(line_no integer, product_id text, quantity integer)
  )
  SELECT count(*)::integer AS created FROM inserted`;

/** The order and its lines' prices in one statement; no row when it was not pending. */
const CONFIRM = `WITH updated AS (
    UPDATE orders SET status = 'confirmed', total_cents = $2, currency = $3, updated_at = $4
    WHERE id = $1 AND status = 'pending' RETURNING id, principal
  ), priced AS (
    UPDATE order_lines AS line SET product_name = price.name, unit_price_cents = price.unit_price_cents
    FROM updated, jsonb_to_recordset($5::jsonb) AS price(product_id text, name text, unit_price_cents integer)
    WHERE line.order_id = updated.id AND line.product_id = price.product_id
  )
  SELECT principal FROM updated`;

/** insertPending's write: true when the order was inserted, false when its idempotency key was taken. */
export async function insertPendingOnPostgres(sql: SQL, order: PendingOrder): Promise<boolean> {
  const lines = order.items.map((item, index) => ({
    line_no: index + 1,
    product_id: item.productId,
    quantity: item.quantity,
  }));
  const rows = (await sql.unsafe(INSERT_PENDING, [
    order.id,
    order.principal,
    order.idempotencyKey,
    order.itemsFingerprint,
    order.note,
    order.maxTotalCents,
    order.createdAt,
    lines,
  ])) as { created: number }[];
  return rows[0]?.created === 1;
}

/**
 * confirm's write: the order's principal when it was pending and is now confirmed with these prices,
 * undefined when it was not pending.
 */
export async function confirmOnPostgres(
  sql: SQL,
  id: string,
  confirmation: Confirmation,
  now: string,
): Promise<string | undefined> {
  const prices = confirmation.lines.map((line) => ({
    product_id: line.productId,
    name: line.name,
    unit_price_cents: line.unitPriceCents,
  }));
  const rows = (await sql.unsafe(CONFIRM, [
    id,
    confirmation.totalCents,
    confirmation.currency,
    now,
    prices,
  ])) as { principal: string }[];
  return rows[0]?.principal;
}
