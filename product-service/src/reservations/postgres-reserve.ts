/**
 * A new reservation on PostgreSQL in one statement, with no BEGIN/COMMIT around it: the reservation
 * row, every line's stock decrement and every reserved line, through data-modifying CTEs (before:
 * BEGIN, 3 + 2 per line statements, COMMIT). One statement is its own transaction, all or nothing:
 * - the order already has a reservation (another call got there first): the insert does nothing, so
 *   nothing else is written, and the caller reads again and replays it;
 * - a line's stock would go below zero (taken since it was read): the products table's
 *   CHECK (stock >= 0) fails the whole statement, nothing is written, and the caller reads again and
 *   answers the shortage. The decrement has no `stock >= quantity` condition on purpose: a line
 *   skipped that way would leave the others written.
 * SQLite has no data-modifying CTEs, and its group commit already shares the COMMIT, so reservations.ts
 * keeps per-row statements in a transaction there.
 */
import type { SQL } from "bun";
import type { ReservedLine } from "./types.ts";

const TAKE = `WITH reservation AS (
    INSERT INTO reservations (order_id, items_fingerprint, status, created_at)
    VALUES ($1, $2, 'active', $3)
    ON CONFLICT DO NOTHING RETURNING order_id
  ), wanted AS (
    SELECT * FROM jsonb_to_recordset($4::jsonb)
      AS line(product_id text, product_name text, quantity integer, unit_price_cents integer, currency text)
  ), taken AS (
    UPDATE products SET stock = products.stock - wanted.quantity
    FROM wanted, reservation
    WHERE products.id = wanted.product_id
    RETURNING products.id
  ), held AS (
    INSERT INTO reservation_lines (order_id, product_id, product_name, quantity, unit_price_cents, currency)
    SELECT reservation.order_id, wanted.product_id, wanted.product_name, wanted.quantity,
      wanted.unit_price_cents, wanted.currency
    FROM reservation, wanted
  )
  SELECT (SELECT count(*) FROM reservation)::integer AS reserved, (SELECT count(*) FROM taken)::integer AS taken`;

/** PostgreSQL's SQLSTATE for a failed CHECK constraint. */
const CHECK_VIOLATION = "23514";

/**
 * True when the reservation and every line were written; false when another call or a stock change got
 * there first and nothing was written (read again and decide again).
 */
export async function takeStockOnPostgres(
  sql: SQL,
  orderId: string,
  fingerprint: string,
  now: string,
  lines: readonly ReservedLine[],
): Promise<boolean> {
  const wanted = lines.map((line) => ({
    product_id: line.productId,
    product_name: line.name,
    quantity: line.quantity,
    unit_price_cents: line.unitPriceCents,
    currency: line.currency,
  }));
  let rows: { reserved: number; taken: number }[];
  try {
    rows = (await sql.unsafe(TAKE, [orderId, fingerprint, now, wanted])) as typeof rows;
  } catch (error) {
    if ((error as { errno?: unknown }).errno === CHECK_VIOLATION) return false;
    throw error;
  }
  const [row] = rows;
  if (row?.reserved === 1 && row.taken !== lines.length) {
    // Cannot happen while products are never deleted: every line's product was just read, and the
    // lines' foreign key would have failed the statement otherwise.
    throw new Error(`reservation ${orderId} took stock for ${row.taken} of ${lines.length} lines`);
  }
  return row?.reserved === 1;
}
