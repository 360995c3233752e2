/**
 * Reads the cluster's books straight from PostgreSQL, bypassing the services: orders by status, units
 * held by active reservations and current stock. The fault tests compare what clients were told with
 * this; the soak reports it.
 */
import { SQL } from "bun";
import { SCHEMAS } from "./cluster.ts";

export interface StoredOrder {
  id: string;
  status: string;
  idempotencyKey: string | null;
  units: number;
}

export interface Ledger {
  orders: Map<string, StoredOrder>;
  countByStatus: Record<string, number>;
  /** Units in confirmed orders, per product. */
  confirmedUnits: Record<string, number>;
  /** Units held by active reservations at product-service, per product. */
  reservedUnits: Record<string, number>;
  stock: Record<string, number>;
}

export async function readLedger(databaseUrl: string, productIds: readonly string[]): Promise<Ledger> {
  const sql = new SQL({ url: databaseUrl, max: 1 });
  try {
    const o = SCHEMAS.order;
    const p = SCHEMAS.product;
    const orderRows = (await sql.unsafe(
      `SELECT o.id, o.status, o.idempotency_key, COALESCE(SUM(l.quantity), 0)::int AS units
       FROM "${o}".orders o LEFT JOIN "${o}".order_lines l ON l.order_id = o.id GROUP BY o.id`,
    )) as { id: string; status: string; idempotency_key: string | null; units: number }[];
    const confirmedRows = (await sql.unsafe(
      `SELECT l.product_id, SUM(l.quantity)::int AS units FROM "${o}".order_lines l
       JOIN "${o}".orders o ON o.id = l.order_id WHERE o.status = 'confirmed' GROUP BY l.product_id`,
    )) as { product_id: string; units: number }[];
    const reservedRows = (await sql.unsafe(
      `SELECT l.product_id, SUM(l.quantity)::int AS units FROM "${p}".reservation_lines l
       JOIN "${p}".reservations r ON r.order_id = l.order_id WHERE r.status = 'active' GROUP BY l.product_id`,
    )) as { product_id: string; units: number }[];
    const stockRows = (await sql.unsafe(`SELECT id, stock FROM "${p}".products WHERE id = ANY($1::text[])`, [
      productIds,
    ])) as { id: string; stock: number }[];
    const orders = new Map<string, StoredOrder>();
    const countByStatus: Record<string, number> = {};
    for (const row of orderRows) {
      orders.set(row.id, {
        id: row.id,
        status: row.status,
        idempotencyKey: row.idempotency_key,
        units: Number(row.units),
      });
      countByStatus[row.status] = (countByStatus[row.status] ?? 0) + 1;
    }
    const byProduct = (rows: { product_id: string; units: number }[]): Record<string, number> =>
      Object.fromEntries(rows.map((row) => [row.product_id, Number(row.units)]));
    return {
      orders,
      countByStatus,
      confirmedUnits: byProduct(confirmedRows),
      reservedUnits: byProduct(reservedRows),
      stock: Object.fromEntries(stockRows.map((row) => [row.id, Number(row.stock)])),
    };
  } finally {
    await sql.close();
  }
}

/** A small catalogue for tests: one category and the given products, in demo-catalog.json's format. */
export function testCatalog(products: { id: string; name: string; price: number; stock: number }[]): unknown {
  return {
    categories: [{ id: "test", name: "Test", description: "Products for cluster tests." }],
    products: products.map((product) => ({
      ...product,
      description: `${product.name} for cluster tests.`,
      category: "test",
      currency: "USD",
    })),
  };
}
