/**
 * The order use cases, free of HTTP and MCP. `create` is the saga of DESIGN.md:
 *   1. store the order as pending (a repeated idempotency key returns the first order);
 *   2. reserve the stock at product-service, keyed by the order id, so every retry is safe;
 *   3. confirm it with the catalogue's prices, or reject it naming what is short.
 * When product-service cannot be reached the order stays pending: a retry with the same key, or the
 * reconciler, runs steps 2 and 3 again.
 *
 * An order the user has not confirmed carries a cap (`maxTotalCents`, stored with it): step 2 then
 * prices and reserves in one call, and reserves only within the cap. Above it nothing is reserved, the
 * pending order is dropped (nothing was ordered) and `place` answers above_limit, so that the user can
 * be asked first. Whoever settles the order later (a retry, the reconciler) keeps to the same cap.
 */
import { describeShortages, mixedCurrenciesProblem } from "reservation-contract";
import { DomainError, isDomainError, type Logger } from "service-kit";
import { decodeListCursor, encodeListCursor } from "./cursor.ts";
import { itemsFingerprint, mergeItems } from "./items.ts";
import { confirmedAsStored, type OrderRepository } from "./order-repository.ts";
import { CatalogueUnavailable, type ReservationGateway } from "./reservation-gateway.ts";
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

export type PlaceResult =
  | { kind: "placed"; order: Order }
  /** Unconfirmed and above its cap: nothing was reserved nor stored; the user must confirm this total. */
  | { kind: "above_limit"; totalCents: number };

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

  /** Places an order the user has confirmed (no cap): the order as stored afterwards. */
  async create(principal: string, request: NewOrder, requestId: string): Promise<Order> {
    const { maxTotalCents: _none, ...confirmed } = request;
    const result = await this.place(principal, confirmed, requestId);
    if (result.kind === "placed") return result.order;
    throw new Error(`order of ${principal} came back above a limit it did not have`);
  }

  async place(principal: string, request: NewOrder, requestId: string): Promise<PlaceResult> {
    const items = mergeItems(request.items);
    const fingerprint = itemsFingerprint(items);
    const { order, created } = await this.repository.insertPending({
      id: newOrderId(),
      principal,
      idempotencyKey: request.idempotencyKey ?? null,
      itemsFingerprint: fingerprint,
      note: request.note ?? null,
      maxTotalCents: request.maxTotalCents ?? null,
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
    if (order.status !== "pending") return { kind: "placed", order };
    // A confirmation lifts the cap, whether it comes with this call or came with the one that stored it.
    const cap =
      request.maxTotalCents === undefined ? null : created ? request.maxTotalCents : order.maxTotalCents;
    try {
      return await this.settleWithin(order, requestId, cap);
    } catch (error) {
      if (!isDomainError(error) || error.kind !== "unavailable") throw error;
      if (cap !== null && created && error instanceof CatalogueUnavailable && !error.mayHaveArrived) {
        // No attempt reached the catalogue, so nothing is reserved: an order the user has not confirmed is
        // not left behind to be placed later (fail closed).
        await this.repository.dropPending(order.id);
        throw new DomainError(
          "unavailable",
          "The stock service could not be reached to price this order, so nothing was ordered.",
        );
      }
      const retry = order.idempotencyKey
        ? `Retry create_order with the same idempotency_key ("${order.idempotencyKey}") to finish it; that never orders twice.`
        : "Do not call create_order again for it (that would place a second order); check it later with get_order.";
      throw new DomainError(
        "unavailable",
        `The stock service could not be reached, so order ${order.id} is saved as pending and not yet confirmed. ` +
          `It will be completed or rejected automatically within a few minutes${cap === null ? "" : ", or withdrawn if its total needs the user's confirmation"}. ${retry}`,
        order.idempotencyKey !== null,
      );
    }
  }

  /**
   * Steps 2 and 3 of the saga for a pending order, within its stored cap; used by the reconciler.
   * Returns the order as stored afterwards, or undefined when it was above its cap and so withdrawn.
   * Throws DomainError("unavailable") when product-service cannot answer.
   */
  async settle(order: Order, requestId: string): Promise<Order | undefined> {
    const result = await this.settleWithin(order, requestId, order.maxTotalCents);
    return result.kind === "placed" ? result.order : undefined;
  }

  /** settle with the cap of this call (null: none); above it the order is dropped. */
  private async settleWithin(order: Order, requestId: string, cap: number | null): Promise<PlaceResult> {
    const result = await this.gateway.reserve(order.id, order.lines, requestId, cap ?? undefined);
    const placed = (stored: Order): PlaceResult => ({ kind: "placed", order: stored });
    switch (result.kind) {
      case "above_limit":
        await this.drop(order, result.totalCents);
        return result;
      case "reserved": {
        // The catalogue refuses a mix; a reservation made before it did is given back, not mis-totalled.
        const mixed = mixedCurrenciesProblem(result.lines);
        if (mixed) {
          await this.gateway.release(order.id, requestId);
          return placed(await this.reject(order, mixed));
        }
        const totalCents = result.lines.reduce((sum, line) => sum + line.unitPriceCents * line.quantity, 0);
        // A product-service from before the cap reserves whatever it is sent: a new reservation above the
        // cap is given back. (A replay was made earlier, by a call whose rule allowed it.)
        if (cap !== null && !result.replayed && totalCents > cap) {
          await this.gateway.release(order.id, requestId);
          await this.drop(order, totalCents);
          return { kind: "above_limit", totalCents };
        }
        const confirmation = {
          lines: result.lines,
          totalCents,
          currency: result.lines[0]?.currency ?? "USD",
        };
        const now = new Date().toISOString();
        // Someone else moved the order on first (a cancel, or another settle): report what is stored.
        if (!(await this.repository.confirm(order.id, confirmation, now))) {
          return placed(await this.afterLostConfirm(order, requestId));
        }
        const stored = confirmedAsStored(order, confirmation, now);
        this.events.confirmed(stored);
        return placed(stored);
      }
      case "short":
        return placed(await this.reject(order, `Not enough stock: ${describeShortages(result.shortages)}.`));
      case "refused":
        return placed(await this.reject(order, result.message));
      case "released":
        // Only cancel_order releases; it got there first, so the order ends cancelled.
        await this.repository.finish(order.id, "cancelled", null);
        return placed(await this.reread(order));
    }
  }

  /** An unconfirmed order above its cap: nothing is reserved for it, so it is not kept. */
  private async drop(order: Order, totalCents: number): Promise<void> {
    await this.repository.dropPending(order.id);
    this.log.info("unconfirmed order above its limit dropped", {
      orderId: order.id,
      totalCents,
      maxTotalCents: order.maxTotalCents,
    });
  }

  /**
   * The order was no longer pending when its reservation came back. Usually another call settled or
   * cancelled it: report what is stored. If a concurrent unconfirmed call with the same key dropped it,
   * the stock just reserved is given back, and nothing was ordered.
   */
  private async afterLostConfirm(order: Order, requestId: string): Promise<Order> {
    const stored = await this.repository.find(order.principal, order.id);
    if (stored) return stored;
    await this.gateway.release(order.id, requestId);
    throw new DomainError(
      "conflict",
      "Another create_order call with the same idempotency_key, not yet confirmed by the user, withdrew this " +
        "order while it was placed, so nothing was ordered. Call create_order again.",
      true,
    );
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
