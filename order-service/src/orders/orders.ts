/**
 * The order use cases, free of HTTP and MCP. `create` is the saga of DESIGN.md:
 *   1. store the order as pending (a repeated idempotency key returns the first order);
 *   2. reserve the stock at product-service, keyed by the order id, so every retry is safe;
 *   3. confirm it with the catalogue's prices, or reject it naming what is short.
 * When product-service cannot be reached the order stays pending: a retry with the same key, or the
 * reconciler, runs steps 2 and 3 again.
 */
import { describeShortages, mixedCurrenciesProblem } from "reservation-contract";
import { DomainError, isDomainError, type Logger } from "service-kit";
import { decodeListCursor, encodeListCursor } from "./cursor.ts";
import { itemsFingerprint, mergeItems } from "./items.ts";
import { confirmedAsStored, type OrderRepository } from "./order-repository.ts";
import type { ReservationGateway } from "./reservation-gateway.ts";
import type { NewOrder, Order, OrderPage, OrderStatus } from "./types.ts";

export interface OrderEvents {
  confirmed(order: Order): void;
  rejected(order: Order): void;
}

export interface ListOptions {
  status?: OrderStatus;
  limit: number;
  cursor?: string;
}

export function newOrderId(): string {
  return `ord-${Bun.randomUUIDv7()}`;
}

function notFound(id: string): DomainError {
  return new DomainError(
    "not_found",
    `No order "${id}" exists among your orders. Use list_orders to see your orders and their ids.`,
  );
}

export class Orders {
  constructor(
    private readonly repository: OrderRepository,
    private readonly gateway: ReservationGateway,
    private readonly events: OrderEvents,
    private readonly log: Logger,
  ) {}

  async create(principal: string, request: NewOrder, requestId: string): Promise<Order> {
    const items = mergeItems(request.items);
    const fingerprint = itemsFingerprint(items);
    const { order, created } = await this.repository.insertPending({
      id: newOrderId(),
      principal,
      idempotencyKey: request.idempotencyKey ?? null,
      itemsFingerprint: fingerprint,
      note: request.note ?? null,
      items,
      createdAt: new Date().toISOString(),
    });
    if (!created && order.itemsFingerprint !== fingerprint) {
      throw new DomainError(
        "conflict",
        `The idempotency_key "${request.idempotencyKey}" was already used for order ${order.id} with other items. ` +
          "Use a new idempotency_key for a different order, or resend exactly the same items to get that order back.",
      );
    }
    if (order.status !== "pending") return order;
    try {
      return await this.settle(order, requestId);
    } catch (error) {
      if (!isDomainError(error) || error.kind !== "unavailable") throw error;
      const retry = order.idempotencyKey
        ? `Retry create_order with the same idempotency_key ("${order.idempotencyKey}") to finish it; that never orders twice.`
        : "Do not call create_order again for it (that would place a second order); check it later with get_order.";
      throw new DomainError(
        "unavailable",
        `The stock service could not be reached, so order ${order.id} is saved as pending and not yet confirmed. ` +
          `It will be completed or rejected automatically within a few minutes. ${retry}`,
        order.idempotencyKey !== null,
      );
    }
  }

  /**
   * Steps 2 and 3 of the saga for a pending order; used by `create` and by the reconciler. Returns the
   * order as stored afterwards. Throws DomainError("unavailable") when product-service cannot answer.
   */
  async settle(order: Order, requestId: string): Promise<Order> {
    const result = await this.gateway.reserve(order.id, order.lines, requestId);
    switch (result.kind) {
      case "reserved": {
        // The catalogue refuses a mix; a reservation made before it did is given back, not mis-totalled.
        const mixed = mixedCurrenciesProblem(result.lines);
        if (mixed) {
          await this.gateway.release(order.id, requestId);
          return this.reject(order, mixed);
        }
        const totalCents = result.lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
        const confirmation = {
          lines: result.lines,
          totalCents,
          currency: result.lines[0]?.currency ?? "USD",
        };
        const now = new Date().toISOString();
        // Someone else moved the order on first (a cancel, or another settle): report what is stored.
        if (!(await this.repository.confirm(order.id, confirmation, now))) return this.reread(order);
        const stored = confirmedAsStored(order, confirmation, now);
        this.events.confirmed(stored);
        return stored;
      }
      case "short":
        return this.reject(order, `Not enough stock: ${describeShortages(result.shortages)}.`);
      case "refused":
        return this.reject(order, result.message);
      case "released":
        // Only cancel_order releases; it got there first, so the order ends cancelled.
        await this.repository.finish(order.id, "cancelled", null);
        return this.reread(order);
    }
  }

  private async reject(order: Order, reason: string): Promise<Order> {
    const rejected = await this.repository.finish(order.id, "rejected", reason);
    const stored = await this.reread(order);
    if (rejected) this.events.rejected(stored);
    return stored;
  }

  async get(principal: string, id: string): Promise<Order> {
    const order = await this.repository.find(principal, id);
    if (!order) throw notFound(id);
    return order;
  }

  async list(principal: string, options: ListOptions): Promise<OrderPage> {
    const status = options.status ?? null;
    const beforeId = options.cursor ? decodeListCursor(options.cursor, status) : undefined;
    const rows = await this.repository.list(principal, {
      ...(options.status ? { status: options.status } : {}),
      ...(beforeId ? { beforeId } : {}),
      limit: options.limit + 1,
    });
    const orders = rows.slice(0, options.limit);
    const last = orders[orders.length - 1];
    return {
      orders,
      nextCursor: rows.length > options.limit && last ? encodeListCursor(last.id, status) : null,
    };
  }

  /** Releases the stock, then marks the order cancelled. Cancelling a cancelled order changes nothing. */
  async cancel(principal: string, id: string, requestId: string): Promise<Order> {
    const order = await this.get(principal, id);
    if (order.status === "cancelled") return order;
    if (order.status === "rejected") {
      throw new DomainError(
        "invalid",
        `Order ${id} was rejected (${order.rejectionReason ?? "no reason recorded"}), so it holds no stock and cannot be ` +
          "cancelled. Nothing needs to be done; place a new order with create_order if you still want the items.",
      );
    }
    try {
      // Release first: if it fails the order is untouched and the call can simply be repeated.
      await this.gateway.release(id, requestId);
    } catch (error) {
      if (!isDomainError(error) || error.kind !== "unavailable") throw error;
      throw new DomainError(
        "unavailable",
        `Order ${id} was not cancelled: the stock service could not be reached to release its stock. ` +
          "The order is unchanged; retry cancel_order in a few seconds.",
      );
    }
    await this.repository.finish(id, "cancelled", null);
    const stored = await this.get(principal, id);
    if (stored.status === "pending" || stored.status === "confirmed") {
      this.log.warn("order could not be cancelled after its stock was released", {
        orderId: id,
        status: stored.status,
      });
    }
    return stored;
  }

  private async reread(order: Order): Promise<Order> {
    const stored = await this.repository.find(order.principal, order.id);
    if (!stored) throw new Error(`order ${order.id} vanished`);
    return stored;
  }
}
