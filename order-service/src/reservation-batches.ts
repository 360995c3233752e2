/**
 * Reservations that order-service makes together go to product-service in one request
 * (POST /internal/reservations/batch, reservation-contract's batch.ts), and each caller gets the
 * status and body that its own request would have got.
 *
 * Orders that arrive together reach this point together: their pending rows share a commit, and the
 * commit answers them in one event-loop turn. One request per reservation made product-service wake
 * up and answer for each of them; where the two services share a CPU, each woke the other for every
 * order. The reservations queued in one turn now leave in one request (at most
 * MAX_RESERVATIONS_PER_BATCH). A reservation that is alone in its turn is sent alone, as before, so a
 * lightly loaded service sends exactly what it sent before.
 *
 * A product-service from before the batch route answers 404 (or 405), and one whose MAX_BODY_BYTES is
 * below the batch 413: those reservations are then sent one by one, and so is everything for the next
 * minute, after which the batch route is tried again (product-service may have been upgraded). Any
 * other failure is every caller's failure, as if each had sent its own request: retries and the time
 * budget are the single requests' (ProductClient.send), and a retry of the whole batch is safe because
 * every reservation is idempotent on its order id.
 */
import { MAX_RESERVATIONS_PER_BATCH, reserveBatchResponse } from "reservation-contract";

/** A status and a parsed JSON body, as ProductClient reads an answer. */
export interface Answer {
  status: number;
  body: unknown;
}

export interface ReservationSenders {
  /** POST /internal/reservations with one body. */
  one(body: unknown, requestId: string): Promise<Answer>;
  /** POST /internal/reservations/batch with these entries. */
  batch(entries: { request_id: string; reservation: unknown }[]): Promise<Answer>;
  /** The error each caller gets when the batch route's answer cannot be read. */
  unexpected(answer: Answer): Error;
}

/** How long reservations go one by one after product-service did not take a batch. */
export const SINGLES_AFTER_REFUSAL_MS = 60_000;

interface Queued {
  body: unknown;
  requestId: string;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

export class ReservationBatches {
  private queue: Queued[] = [];
  private scheduled = false;
  private singlesUntil = 0;
  private batchesSent = 0;

  constructor(private readonly send: ReservationSenders) {}

  /** What product-service answers to this reservation body, sent with those that arrive beside it. */
  reserve(body: unknown, requestId: string): Promise<Answer> {
    const { promise, resolve, reject } = Promise.withResolvers<Answer>();
    this.queue.push({ body, requestId, resolve, reject });
    if (!this.scheduled) {
      this.scheduled = true;
      // The rest of this turn's reservations are queued before this runs.
      setImmediate(() => this.flush());
    }
    return promise;
  }

  /** Batch requests sent so far: lets tests see that reservations travelled together. */
  get batchCount(): number {
    return this.batchesSent;
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_RESERVATIONS_PER_BATCH);
      if (group.length === 1 || Date.now() < this.singlesUntil) this.sendEach(group);
      else void this.sendTogether(group);
    }
  }

  private sendEach(group: Queued[]): void {
    for (const item of group) this.send.one(item.body, item.requestId).then(item.resolve, item.reject);
  }

  private async sendTogether(group: Queued[]): Promise<void> {
    let answer: Answer;
    try {
      this.batchesSent++;
      answer = await this.send.batch(
        group.map((item) => ({ request_id: item.requestId, reservation: item.body })),
      );
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    if (answer.status === 404 || answer.status === 405 || answer.status === 413) {
      this.singlesUntil = Date.now() + SINGLES_AFTER_REFUSAL_MS;
      this.sendEach(group);
      return;
    }
    const parsed = answer.status === 200 ? reserveBatchResponse.safeParse(answer.body) : undefined;
    if (!parsed?.success || parsed.data.results.length !== group.length) {
      const error = this.send.unexpected(answer);
      for (const item of group) item.reject(error);
      return;
    }
    for (const [index, item] of group.entries()) item.resolve(parsed.data.results[index] as Answer);
  }
}
