/**
 * A real catalogue for the order domain's tests. It runs product-service's own Reservations domain on
 * a temporary SQLite file (in process, no HTTP), so the saga is exercised against real stock rules
 * rather than a mock. It lives here, not in order-service, because it needs product-service's source.
 */

import type { Database } from "service-kit";
import type {
  ReservationGateway,
  ReservationResult,
} from "../../order-service/src/orders/reservation-gateway.ts";
import type { OrderItem } from "../../order-service/src/orders/types.ts";
import { Catalog } from "../../product-service/src/catalog/catalog.ts";
import { Reservations } from "../../product-service/src/reservations/reservations.ts";
import { demoCatalog, productService } from "../../product-service/src/service.ts";
import { openTestDatabase } from "./database.ts";

export class InProcessCatalogue implements ReservationGateway {
  calls = 0;

  private constructor(
    readonly db: Database,
    private readonly reservations: Reservations,
  ) {}

  static async open(): Promise<InProcessCatalogue> {
    const db = await openTestDatabase(productService.migrations);
    await new Catalog(db.sql).import(demoCatalog);
    return new InProcessCatalogue(db, new Reservations(db));
  }

  async stock(productId: string): Promise<number> {
    const rows = (await this.db.sql`SELECT stock FROM products WHERE id = ${productId}`) as {
      stock: number;
    }[];
    return Number(rows[0]?.stock);
  }

  async reserve(
    orderId: string,
    items: readonly OrderItem[],
    _requestId?: string,
    maxTotalCents?: number,
  ): Promise<ReservationResult> {
    this.calls++;
    const outcome = await this.reservations.reserve(orderId, items, maxTotalCents);
    switch (outcome.kind) {
      case "reserved":
        return { kind: "reserved", lines: outcome.lines, replayed: outcome.replayed };
      case "above_limit":
        return { kind: "above_limit", totalCents: outcome.totalCents };
      case "short":
        return { kind: "short", shortages: outcome.shortages };
      case "mixed_currencies":
        // As product-client.ts reads product-service's 400 answer.
        return { kind: "refused", message: `The catalogue refused the items: ${outcome.message}` };
      case "released":
        return { kind: "released" };
      case "items_differ":
        throw new Error(`order ${orderId} was reserved with other items`);
    }
  }

  async release(orderId: string): Promise<void> {
    await this.reservations.release(orderId);
  }
}
