/**
 * Paces `notifications/resources/list_changed` to the GET stream of each 2025 session. The notification
 * names no resource, so several in a row tell a client no more than the last one; yet each costs an SSE
 * write and a durable row in the session's event store (event-store.ts), and every order placed sends
 * one to each listening session of its principal. The first change is sent at once; the changes that
 * follow within `intervalMs` are sent as one notification at the end of that interval. So a client
 * always hears of the last change, at most one interval late, and under a burst of orders a session
 * gets at most 1000 / intervalMs of them a second instead of one per order.
 */

/**
 * Under load (hundreds of orders a second) this folds dozens of changes into one notification; at a
 * person's pace it delays a notification by this much at most, far below the 1 s a listener is promised.
 */
export const LIST_CHANGED_INTERVAL_MS = 20;

interface Pace {
  lastSentAt: number;
  /** Set while a notification waits for the end of the interval. */
  timer?: ReturnType<typeof setTimeout>;
}

export class ListChangedPacer {
  // Keyed by the session object, so a session that ends takes its entry with it.
  private readonly paces = new WeakMap<object, Pace>();
  private readonly waiting = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly intervalMs = LIST_CHANGED_INTERVAL_MS) {}

  /** Calls `send` now, or once at the end of the current interval together with any later changes. */
  changed(session: object, send: () => void): void {
    const now = performance.now();
    const pace = this.paces.get(session);
    if (pace === undefined || (pace.timer === undefined && now - pace.lastSentAt >= this.intervalMs)) {
      this.paces.set(session, { lastSentAt: now });
      send();
      return;
    }
    if (pace.timer !== undefined) return;
    const timer = setTimeout(
      () => {
        this.waiting.delete(timer);
        pace.timer = undefined;
        pace.lastSentAt = performance.now();
        send();
      },
      Math.max(0, pace.lastSentAt + this.intervalMs - now),
    );
    // A notification still waiting must not keep a stopping process alive.
    timer.unref?.();
    pace.timer = timer;
    this.waiting.add(timer);
  }

  /** Drops the notifications still waiting (the service is stopping). */
  close(): void {
    for (const timer of this.waiting) clearTimeout(timer);
    this.waiting.clear();
  }
}
