/**
 * HTTP client for product-service's internal reservation API; implements the order domain's
 * ReservationGateway. Both calls are idempotent on the order id, so network errors, timeouts, 5xx and
 * 429 are retried with exponential backoff and full jitter, inside a total time budget: when
 * product-service is down the caller gets DomainError("unavailable") in bounded time, never a hang.
 * 4xx answers are final. The request id and the service token travel with every attempt.
 * Reservations made together travel in one request (reservation-batches.ts).
 */
import {
  aboveLimitBody,
  encodeReserveRequest,
  insufficientStockBody,
  problemBody,
  reservedResponse,
} from "reservation-contract";
import { createInternalHttp, DomainError, type InternalHttp, type Logger } from "service-kit";
import {
  CatalogueUnavailable,
  type ReservationGateway,
  type ReservationResult,
} from "./orders/reservation-gateway.ts";
import type { OrderItem } from "./orders/types.ts";
import { type Answer, ReservationBatches } from "./reservation-batches.ts";

export interface ProductClientOptions {
  baseUrl: string;
  /** The service token; a function so that a token loaded later (from SSM) is used. */
  token: () => string | undefined;
  attemptTimeoutMs: number;
  budgetMs: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  log: Logger;
}

export class ProductClient implements ReservationGateway {
  private readonly batches: ReservationBatches;
  private readonly http: InternalHttp;

  constructor(private readonly options: ProductClientOptions) {
    this.http = createInternalHttp(options.baseUrl);
    this.batches = new ReservationBatches({
      one: (body, requestId) => this.send("POST", "/internal/reservations", requestId, body),
      batch: (entries) =>
        this.send("POST", "/internal/reservations/batch", crypto.randomUUID(), { reservations: entries }),
      unexpected: (answer) => this.unexpected(answer, "reserve batch"),
    });
  }

  /** Batch requests sent so far (see reservation-batches.ts). */
  get batchCount(): number {
    return this.batches.batchCount;
  }

  async reserve(
    orderId: string,
    items: readonly OrderItem[],
    requestId: string,
    maxTotalCents?: number,
  ): Promise<ReservationResult> {
    const request = encodeReserveRequest({
      order_id: orderId,
      items: [...items],
      ...(maxTotalCents === undefined ? {} : { max_total_cents: maxTotalCents }),
    });
    // The order tools check the same bounds first, so only a stored order from older rules gets here.
    if (!request.success) {
      const message = request.error.issues[0]?.message ?? "the items are not valid";
      return { kind: "refused", message: `The items cannot be reserved: ${message}.` };
    }
    const answer = await this.batches.reserve(request.data, requestId);
    if (answer.status === 200 || answer.status === 201) {
      const reserved = reservedResponse.safeParse(answer.body);
      if (!reserved.success) throw this.unexpected(answer, "reserve");
      return { kind: "reserved", lines: reserved.data.lines, replayed: answer.status === 200 };
    }
    if (answer.status === 409 && maxTotalCents !== undefined) {
      const above = aboveLimitBody.safeParse(answer.body);
      if (above.success) return { kind: "above_limit", totalCents: above.data.total_cents };
    }
    const short = insufficientStockBody.safeParse(answer.body);
    if (answer.status === 409 && short.success) return { kind: "short", shortages: short.data.shortages };
    const problem = problemBody.safeParse(answer.body);
    if (answer.status === 409 && problem.success && problem.data.error === "reservation_released") {
      return { kind: "released" };
    }
    if (answer.status === 400 && problem.success) {
      return { kind: "refused", message: `The catalogue refused the items: ${problem.data.message}` };
    }
    throw this.unexpected(answer, "reserve");
  }

  async release(orderId: string, requestId: string): Promise<void> {
    const answer = await this.send(
      "DELETE",
      `/internal/reservations/${encodeURIComponent(orderId)}`,
      requestId,
    );
    if (answer.status !== 200 && answer.status !== 204) throw this.unexpected(answer, "release");
  }

  private unexpected(answer: Answer, call: string): DomainError {
    this.options.log.error("unexpected answer from product-service", {
      call,
      status: answer.status,
      body: JSON.stringify(answer.body)?.slice(0, 500),
    });
    const hint = answer.status === 401 || answer.status === 403 ? " (the service token is not accepted)" : "";
    return new DomainError(
      "unavailable",
      `The stock service gave an unexpected answer (HTTP ${answer.status}${hint}).`,
    );
  }

  private async send(
    method: "POST" | "DELETE",
    path: string,
    requestId: string,
    body?: unknown,
  ): Promise<Answer> {
    const { attemptTimeoutMs, budgetMs, log } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 4;
    const baseDelayMs = this.options.baseDelayMs ?? 150;
    const deadline = Date.now() + budgetMs;
    const headers: Record<string, string> = { "x-request-id": requestId, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const token = this.options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let lastProblem = "no attempt fitted in the time budget";
    // Whether any attempt may have reached product-service (and so may have reserved something).
    let mayHaveArrived = false;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const timeoutMs = Math.min(attemptTimeoutMs, remaining);
      try {
        const answer = await this.http.request({
          method,
          path,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          timeoutMs,
        });
        if (answer.status < 500 && answer.status !== 429) {
          return { status: answer.status, body: answer.text ? safeJson(answer.text) : undefined };
        }
        mayHaveArrived = true;
        lastProblem = `HTTP ${answer.status}`;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ECONNREFUSED") mayHaveArrived = true;
        lastProblem =
          error instanceof Error && error.name === "TimeoutError"
            ? `no answer within ${timeoutMs} ms`
            : `connection failed (${error instanceof Error ? error.message : String(error)})`;
      }
      log.warn("product-service call failed", { method, path, attempt, requestId, problem: lastProblem });
      if (attempt === maxAttempts) break;
      // Full jitter: instances that failed together do not retry together.
      const delay = Math.random() * baseDelayMs * 2 ** (attempt - 1);
      if (Date.now() + delay >= deadline) break;
      await Bun.sleep(delay);
    }
    throw new CatalogueUnavailable(`The stock service is unavailable (${lastProblem}).`, mayHaveArrived);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
