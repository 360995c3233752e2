/**
 * The two writes of every order on PostgreSQL, each one statement for every order of a batch
 * (postgres-write-batches.ts): the orders and their lines together through data-modifying CTEs,
 * instead of BEGIN, one statement per row and COMMIT. A single statement is its own transaction, so it
 * is as atomic, and as durable once acknowledged (synchronous_commit on). Each answers one result per
 * order, in order, as if each order had been written alone one after the other. SQLite has no
 * data-modifying CTEs, and its group commit already shares one COMMIT between the writes that arrive
 * together, so order-repository.ts keeps per-row statements there.
 */
import type { SQL } from "bun";
import type { Confirmation, PendingOrder } from "./order-repository.ts";

export const ORDER_COLUMNS =
  "id, principal, idempotency_key, items_fingerprint, status, note, total_cents, currency, rejection_reason, max_total_cents, created_at, updated_at";

/**
 * The orders and their lines. ON CONFLICT DO NOTHING skips an order whose id or idempotency key is
 * stored, or taken by an earlier order of the same statement (the rows go in in the array's order).
 */
const INSERT_PENDING = `WITH wanted AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS wanted(id text, principal text, idempotency_key text,
      items_fingerprint text, note text, max_total_cents bigint, created_at text, lines jsonb)
  ), inserted AS (
    INSERT INTO orders (${ORDER_COLUMNS})
    SELECT id, principal, idempotency_key, items_fingerprint, 'pending', note, NULL, NULL, NULL,
      max_total_cents, created_at, created_at
    FROM wanted
    ON CONFLICT DO NOTHING RETURNING id
  ), lines AS (
    INSERT INTO order_lines (order_id, line_no, product_id, quantity)
    SELECT inserted.id, line.line_no, line.product_id, line.quantity
    FROM inserted JOIN wanted USING (id),
      jsonb_to_recordset(wanted.lines) AS line(line_no integer, product_id text, quantity integer)
  )
  SELECT id FROM inserted`;

/** The orders that were pending, confirmed with their lines' prices; one row per order confirmed. */
const CONFIRM = `WITH wanted AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS wanted(id text, total_cents integer, currency text,
      updated_at text, prices jsonb)
  ), updated AS (
    UPDATE orders SET status = 'confirmed', total_cents = wanted.total_cents, currency = wanted.currency,
      updated_at = wanted.updated_at
    FROM wanted
    WHERE orders.id = wanted.id AND orders.status = 'pending' RETURNING orders.id, orders.principal
  ), priced AS (
    UPDATE order_lines AS line SET product_name = price.name, unit_price_cents = price.unit_price_cents
    FROM updated JOIN wanted USING (id),
      jsonb_to_recordset(wanted.prices) AS price(product_id text, name text, unit_price_cents integer)
    WHERE line.order_id = updated.id AND line.product_id = price.product_id
  )
  SELECT id, principal FROM updated`;

/** insertPending's write: per order, true when it was inserted, false when its id or key was taken. */
export async function insertPendingOnPostgres(sql: SQL, orders: readonly PendingOrder[]): Promise<boolean[]> {
  const wanted = orders.map((order) => ({
    id: order.id,
    principal: order.principal,
    idempotency_key: order.idempotencyKey,
    items_fingerprint: order.itemsFingerprint,
    note: order.note,
    max_total_cents: order.maxTotalCents,
    created_at: order.createdAt,
    lines: order.items.map((item, index) => ({
      line_no: index + 1,
      product_id: item.productId,
      quantity: item.quantity,
    })),
  }));
  const rows = (await sql.unsafe(INSERT_PENDING, [wanted])) as { id: string }[];
  const inserted = new Set(rows.map((row) => row.id));
  // An id sent twice was inserted by the first of the two, as it would have been alone.
  const first = firstOfTheirId(orders.map((order) => order.id));
  return orders.map((order, index) => first[index] === true && inserted.has(order.id));
}

export interface ConfirmInput {
  id: string;
  confirmation: Confirmation;
  now: string;
}

/**
 * confirm's write: per order, its principal when it was pending and is now confirmed with these
 * prices, undefined when it was not pending. An order named twice is confirmed by the first only: the
 * second, written after it, would have found it confirmed already.
 */
export async function confirmOnPostgres(
  sql: SQL,
  inputs: readonly ConfirmInput[],
): Promise<(string | undefined)[]> {
  const first = firstOfTheirId(inputs.map((input) => input.id));
  const wanted = inputs
    .filter((_, index) => first[index])
    .map(({ id, confirmation, now }) => ({
      id,
      total_cents: confirmation.totalCents,
      currency: confirmation.currency,
      updated_at: now,
      prices: confirmation.lines.map((line) => ({
        product_id: line.productId,
        name: line.name,
        unit_price_cents: line.unitPriceCents,
      })),
    }));
  const rows = (await sql.unsafe(CONFIRM, [wanted])) as { id: string; principal: string }[];
  const confirmed = new Map(rows.map((row) => [row.id, row.principal]));
  return inputs.map((input, index) => (first[index] ? confirmed.get(input.id) : undefined));
}

/** Per id, whether no earlier one in the list is the same. */
function firstOfTheirId(ids: readonly string[]): boolean[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
