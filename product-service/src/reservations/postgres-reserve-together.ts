/**
 * The reservations of one batch on PostgreSQL (postgres-batches.ts), made inside its transaction by
 * three statements whatever their number: read the orders' stored reservations and lock the products
 * they name, decide each in turn in arrival order (decide.ts) on the stock that the ones before it
 * left, and write every "take" at once: the reservation rows, one stock decrement per product, the
 * lines.
 *
 * Before, every reservation was its own statement (postgres-reserve.ts): PostgreSQL started and ran
 * its plan once per order, and updated a popular product's row once per order of the batch, each time
 * checking the row's category again since the row was already written by that transaction.
 *
 * The products are locked (`FOR UPDATE`, in id order, so two instances' batches queue instead of
 * deadlocking) before the decision, so their stock cannot move under it. The reservations are not
 * locked: if another instance reserved one of the orders after the read, its row is there when ours
 * is inserted, our insert skips it, and the count the write answers is short. Then the transaction
 * throws, nothing of the batch is written, and the caller runs every reservation alone.
 */
import type { SQL } from "bun";
import {
  decideReservation,
  type ProductStockRow,
  type ReservationRequest,
  type StoredReservation,
} from "./decide.ts";
import type { PostgresAttempt } from "./postgres-reserve.ts";

export interface QueuedReservation {
  request: ReservationRequest;
  now: string;
}

/** Thrown inside the transaction to roll it back: another transaction reserved one of the orders meanwhile. */
export class ReservedElsewhere extends Error {}

// Each id is looked up on its own in the primary key, whatever the table's statistics say: the batch
// forms (`IN (SELECT …)`, `= ANY(…)`) got a generic plan that scanned the whole table once a young
// table's first plans had been made (3 ms a batch at 2,000 reservations, growing with the table).
// OFFSET 0 keeps the lookup a subquery, so that the planner cannot turn it into a hash join.
const READ_STORED = `SELECT stored.order_id, stored.items_fingerprint, stored.status
  FROM jsonb_array_elements_text($1::jsonb) AS wanted(order_id),
    LATERAL (SELECT order_id, items_fingerprint, status FROM reservations
      WHERE reservations.order_id = wanted.order_id OFFSET 0) AS stored`;

// The ids come sorted, and each row is locked as it is looked up: in id order.
const LOCK_PRODUCTS = `SELECT locked.id, locked.name, locked.price_cents, locked.currency, locked.stock
  FROM jsonb_array_elements_text($1::jsonb) AS wanted(id),
    LATERAL (SELECT id, name, price_cents, currency, stock FROM products
      WHERE products.id = wanted.id FOR UPDATE) AS locked`;

const WRITE_TAKEN = `WITH held AS (
    INSERT INTO reservations (order_id, items_fingerprint, status, created_at)
    SELECT order_id, items_fingerprint, 'active', created_at
    FROM jsonb_to_recordset($1::jsonb) AS taken(order_id text, items_fingerprint text, created_at text)
    ON CONFLICT DO NOTHING RETURNING order_id
  ), decremented AS (
    UPDATE products SET stock = products.stock - total.quantity
    FROM jsonb_to_recordset($2::jsonb) AS total(product_id text, quantity integer)
    WHERE products.id = total.product_id
  ), lines AS (
    INSERT INTO reservation_lines (order_id, product_id, product_name, quantity, unit_price_cents, currency)
    SELECT line.order_id, line.product_id, line.product_name, line.quantity, line.unit_price_cents, line.currency
    FROM jsonb_to_recordset($3::jsonb) AS line(order_id text, product_id text, product_name text,
      quantity integer, unit_price_cents integer, currency text)
    JOIN held USING (order_id)
  )
  SELECT count(*)::integer AS held FROM held`;

interface StoredRow extends StoredReservation {
  order_id: string;
}

/** One attempt per queued reservation, in order; every "take" among them is written when this returns. */
export async function reserveTogether(
  sql: SQL,
  batch: readonly QueuedReservation[],
): Promise<PostgresAttempt[]> {
  const orderIds = batch.map((queued) => queued.request.orderId);
  const productIds = [
    ...new Set(batch.flatMap((queued) => queued.request.items.map((item) => item.productId))),
  ].sort();
  // Sent together: one round trip.
  const [storedRows, productRows] = (await Promise.all([
    sql.unsafe(READ_STORED, [orderIds]),
    sql.unsafe(LOCK_PRODUCTS, [productIds]),
  ])) as [StoredRow[], ProductStockRow[]];

  const stored = new Map(
    storedRows.map((row) => [row.order_id, { items_fingerprint: row.items_fingerprint, status: row.status }]),
  );
  const products = new Map(productRows.map((row) => [row.id, { ...row, stock: Number(row.stock) }]));
  const taken: { order_id: string; items_fingerprint: string; created_at: string }[] = [];
  const totals = new Map<string, number>();
  const lines: Record<string, unknown>[] = [];

  const attempts = batch.map(({ request, now }): PostgresAttempt => {
    const seen = request.items.flatMap((item) => {
      const product = products.get(item.productId);
      return product ? [{ ...product }] : [];
    });
    const storedNow = stored.get(request.orderId);
    const decision = decideReservation(request, storedNow, seen);
    if (decision.kind !== "take") return { kind: "read", stored: storedNow, products: seen, reserved: false };
    // What the reservations after this one see: its stock gone, and the order reserved.
    stored.set(request.orderId, { items_fingerprint: request.fingerprint, status: "active" });
    taken.push({ order_id: request.orderId, items_fingerprint: request.fingerprint, created_at: now });
    for (const line of decision.lines) {
      const product = products.get(line.productId) as ProductStockRow & { stock: number };
      product.stock -= line.quantity;
      totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
      lines.push({
        order_id: request.orderId,
        product_id: line.productId,
        product_name: line.name,
        quantity: line.quantity,
        unit_price_cents: line.unitPriceCents,
        currency: line.currency,
      });
    }
    return { kind: "read", stored: storedNow, products: seen, reserved: true };
  });

  if (taken.length > 0) {
    const decrements = [...totals].map(([product_id, quantity]) => ({ product_id, quantity }));
    const rows = (await sql.unsafe(WRITE_TAKEN, [taken, decrements, lines])) as { held: number }[];
    if (rows[0]?.held !== taken.length) throw new ReservedElsewhere();
  }
  return attempts;
}
