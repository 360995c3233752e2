/**
 * The writes of a new reservation on PostgreSQL in one statement: the reservation row, every line's
 * stock decrement (conditional, `stock >= quantity`, so never below zero) and every reserved line,
 * through data-modifying CTEs, instead of one statement per row (3 + 2 per line round trips, now 1).
 * It runs inside the reservation's transaction: when the counts it answers fall short (another
 * transaction reserved the order or took the stock first), the caller rolls everything back and tries
 * again, as with the statements one by one. SQLite has no data-modifying CTEs, and its group commit
 * already shares the COMMIT, so reservations.ts keeps per-row statements there.
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
    WHERE products.id = wanted.product_id AND products.stock >= wanted.quantity
    RETURNING products.id
  ), held AS (
    INSERT INTO reservation_lines (order_id, product_id, product_name, quantity, unit_price_cents, currency)
    SELECT reservation.order_id, wanted.product_id, wanted.product_name, wanted.quantity,
      wanted.unit_price_cents, wanted.currency
    FROM reservation, wanted
  )
  SELECT (SELECT count(*) FROM reservation)::integer AS reserved, (SELECT count(*) FROM taken)::integer AS taken`;

/** True when the order's row was inserted and every line's stock taken; false: roll back and retry. */
export async function takeStockOnPostgres(
  tx: SQL,
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
  const rows = (await tx.unsafe(TAKE, [orderId, fingerprint, now, wanted])) as {
    reserved: number;
    taken: number;
  }[];
  return rows[0]?.reserved === 1 && rows[0]?.taken === lines.length;
}
