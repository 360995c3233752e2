/**
 * Finishes orders left pending when product-service could not be reached during create_order. Every
 * interval it retries the (idempotent) reservation of pending orders older than `afterSeconds`: success
 * confirms, a shortage rejects. Orders still unreachable after `giveUpLoggingAfter` are logged loudly
 * and kept pending (their stock may or may not be held; only a later success or cancel settles it).
 * Several instances may run it at once: reservation and status changes are idempotent.
 */
import { isDomainError, type Logger } from "service-kit";
import type { OrderRepository } from "./order-repository.ts";
import type { Orders } from "./orders.ts";

export interface ReconcilerOptions {
  afterSeconds: number;
  intervalSeconds: number;
  /** Orders per pass, so one slow pass cannot grow without bound. */
  batchSize?: number;
}

export interface ReconcileReport {
  confirmed: number;
  rejected: number;
  cancelled: number;
  /** Unconfirmed orders above their cap: nothing was reserved, so they were deleted. */
  dropped: number;
  stillPending: number;
}

export class Reconciler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<ReconcileReport> | undefined;

  constructor(
    private readonly orders: Orders,
    private readonly repository: OrderRepository,
    private readonly log: Logger,
    private readonly options: ReconcilerOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      void this.runOnce();
    }, this.options.intervalSeconds * 1000);
  }

  /** Stops the timer and waits for a pass in progress, so the database can be closed after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; a pass already in progress is joined rather than doubled. */
  runOnce(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { confirmed: 0, rejected: 0, cancelled: 0, dropped: 0, stillPending: 0 };
    const afterMs = this.options.afterSeconds * 1000;
    let pending: Awaited<ReturnType<OrderRepository["pendingBefore"]>>;
    try {
      pending = await this.repository.pendingBefore(
        new Date(Date.now() - afterMs).toISOString(),
        this.options.batchSize ?? 50,
      );
    } catch (error) {
      this.log.error("reconciler could not read pending orders", { error: String(error) });
      return report;
    }
    for (const order of pending) {
      try {
        const settled = await this.orders.settle(order, `reconcile-${order.id}`);
        if (!settled) report.dropped++;
        else if (settled.status === "pending") report.stillPending++;
        else report[settled.status]++;
        this.log.info("reconciled pending order", {
          orderId: order.id,
          status: settled?.status ?? "dropped",
        });
      } catch (error) {
        report.stillPending++;
        const ageMs = Date.now() - Date.parse(order.createdAt);
        const fields = { orderId: order.id, ageSeconds: Math.round(ageMs / 1000), error: String(error) };
        if (!isDomainError(error) || error.kind !== "unavailable") {
          this.log.error("reconciler failed on an order", fields);
        } else if (ageMs > afterMs * 10) {
          this.log.error("order still pending: product-service unreachable for too long; check it", fields);
        } else {
          this.log.warn("order still pending: product-service unreachable, will retry", fields);
        }
      }
    }
    return report;
  }
}
