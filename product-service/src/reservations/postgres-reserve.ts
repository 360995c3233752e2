/**
 * A reservation attempt on PostgreSQL in one statement, for a reservation that arrives alone or runs
 * again alone after its batch failed (postgres-batches.ts; a batch's reservations are made together
 * by postgres-reserve-together.ts): it reads the order's reservation and the
 * requested products and, when nothing stands in the way, writes the reservation row, every line's
 * stock decrement and every reserved line, through data-modifying CTEs (before: two reads, then the
 * writes; one round trip instead of three). The caller decides on the rows this statement read
 * (decide.ts), so the statement writes only in the case where that decision is "take": no reservation
 * yet, every product known and in stock, one currency, within the cap.
 *
 * The statement is all or nothing:
 * - the order got a reservation after the snapshot (another call got there first): the insert does
 *   nothing, so nothing else is written, and the caller tries again and replays it;
 * - a line's stock would go below zero (taken after the snapshot by another transaction): the products
 *   table's CHECK (stock >= 0) fails the whole statement, nothing is written, and the caller tries
 *   again and answers the shortage. The decrement has no `stock >= quantity` condition on purpose: a
 *   line skipped that way would leave the others written.
 * SQLite has no data-modifying CTEs, so reservations.ts keeps per-row statements there.
 */
import type { SQL } from "bun";
import type { ProductStockRow, ReservationRequest, StoredReservation } from "./decide.ts";

const RESERVE = `WITH wanted AS (
    SELECT * FROM jsonb_to_recordset($4::jsonb) AS line(product_id text, quantity integer)
  ), stored AS (
    SELECT items_fingerprint, status FROM reservations WHERE order_id = $1::text
  ), found AS (
    SELECT products.id, products.name, products.price_cents, products.currency, products.stock, wanted.quantity
    FROM wanted JOIN products ON products.id = wanted.product_id
  ), verdict AS (
    SELECT NOT EXISTS (SELECT 1 FROM stored)
      AND (SELECT count(*) FROM found) = (SELECT count(*) FROM wanted)
      AND NOT EXISTS (SELECT 1 FROM found WHERE found.stock < found.quantity)
      AND (SELECT count(DISTINCT currency) FROM found) = 1
      AND ($5::bigint IS NULL OR (SELECT sum(found.price_cents::bigint * found.quantity) FROM found) <= $5::bigint)
      AS go
  ), reservation AS (
    INSERT INTO reservations (order_id, items_fingerprint, status, created_at)
    SELECT $1::text, $2::text, 'active', $3::text FROM verdict WHERE verdict.go
    ON CONFLICT DO NOTHING RETURNING order_id
  ), taken AS (
    UPDATE products SET stock = products.stock - found.quantity
    FROM found, reservation
    WHERE products.id = found.id
    RETURNING products.id
  ), held AS (
    INSERT INTO reservation_lines (order_id, product_id, product_name, quantity, unit_price_cents, currency)
    SELECT reservation.order_id, found.id, found.name, found.quantity, found.price_cents, found.currency
    FROM reservation, found
  ), counts AS (
    SELECT (SELECT count(*) FROM reservation)::integer AS reserved, (SELECT count(*) FROM taken)::integer AS taken
  )
  SELECT counts.reserved, counts.taken, stored.items_fingerprint, stored.status,
    found.id, found.name, found.price_cents, found.currency, found.stock
  FROM counts LEFT JOIN stored ON true LEFT JOIN found ON true`;

/** PostgreSQL's SQLSTATE for a failed CHECK constraint. */
const CHECK_VIOLATION = "23514";

interface AttemptRow {
  reserved: number;
  taken: number;
  items_fingerprint: string | null;
  status: StoredReservation["status"] | null;
  id: string | null;
  name: string;
  price_cents: number | string;
  currency: string;
  stock: number | string;
}

export type PostgresAttempt =
  /** What the statement read, and whether it wrote the reservation (only when the decision is "take"). */
  | { kind: "read"; stored: StoredReservation | undefined; products: ProductStockRow[]; reserved: boolean }
  /** Stock was taken after the statement's snapshot: nothing was written; try again. */
  | { kind: "stock_moved" };

export async function reserveOnPostgres(
  sql: SQL,
  request: ReservationRequest,
  now: string,
): Promise<PostgresAttempt> {
  const wanted = request.items.map((item) => ({ product_id: item.productId, quantity: item.quantity }));
  let rows: AttemptRow[];
  try {
    rows = (await sql.unsafe(RESERVE, [
      request.orderId,
      request.fingerprint,
      now,
      wanted,
      request.maxTotalCents ?? null,
    ])) as AttemptRow[];
  } catch (error) {
    if ((error as { errno?: unknown }).errno === CHECK_VIOLATION) return { kind: "stock_moved" };
    throw error;
  }
  const first = rows[0];
  if (!first) throw new Error(`reservation ${request.orderId}: the statement answered no row`);
  const reserved = first.reserved === 1;
  if (reserved && first.taken !== request.items.length) {
    // Cannot happen while products are never deleted: every line's product was just read, and the
    // lines' foreign key would have failed the statement otherwise.
    throw new Error(
      `reservation ${request.orderId} took stock for ${first.taken} of ${request.items.length} lines`,
    );
  }
  const stored =
    first.status === null
      ? undefined
      : { items_fingerprint: first.items_fingerprint ?? "", status: first.status };
  const products = rows.flatMap((row): ProductStockRow[] =>
    row.id === null
      ? []
      : [
          {
            id: row.id,
            name: row.name,
            price_cents: row.price_cents,
            currency: row.currency,
            stock: row.stock,
          },
        ],
  );
  return { kind: "read", stored, products, reserved };
}
