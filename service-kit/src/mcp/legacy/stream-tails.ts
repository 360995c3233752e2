/**
 * Tails of resumed streams. A client resumed (GET + Last-Event-ID) a stream whose request runs on
 * another instance, so this instance polls the events table until the answer arrives. Every poll is a
 * database query, and a resume costs the client one request, so tails are bounded:
 * - at most `maxPerSession` at once per session and instance: a resume over the cap gets the stored
 *   events and a closed stream, and the client resumes again after the stream's retry interval;
 * - the poll interval doubles while nothing arrives, from `pollMs` up to `maxPollMs`, and starts
 *   again at `pollMs` when an event comes (a call that reports progress stays snappy);
 * - a tail gives up after `timeoutMs` and closes the stream, so the client resumes from its last event.
 */
import type { Logger } from "../../log.ts";

export interface StreamTailOptions {
  pollMs?: number;
  maxPollMs?: number;
  timeoutMs?: number;
  maxPerSession?: number;
  log?: Logger;
}

/** Counters for operators (debug log) and tests: how much polling resumed streams cost. */
export interface StreamTailStats {
  /** Tails running now. */
  active: number;
  started: number;
  /** Resumes that found the session at its cap and were replayed and closed instead. */
  refused: number;
  /** Database polls made by all tails so far. */
  polls: number;
}

export interface TailTarget {
  sessionId: string;
  streamId: string;
  /** One poll: sends the stream's new events; `answered` once the JSON-RPC response went out. */
  poll(): Promise<{ received: number; answered: boolean }>;
  isOpen(): boolean;
  close(): void;
  /** Called once the tail has ended, however it ended. */
  done?(): void;
}

export const TAIL_DEFAULTS = { pollMs: 100, maxPollMs: 2000, timeoutMs: 120_000, maxPerSession: 8 } as const;

export class StreamTails {
  private readonly perSession = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly counters: StreamTailStats = { active: 0, started: 0, refused: 0, polls: 0 };
  private readonly pollMs: number;
  private readonly maxPollMs: number;
  private readonly timeoutMs: number;
  private readonly maxPerSession: number;

  constructor(private readonly options: StreamTailOptions = {}) {
    this.pollMs = options.pollMs ?? TAIL_DEFAULTS.pollMs;
    this.maxPollMs = Math.max(this.pollMs, options.maxPollMs ?? TAIL_DEFAULTS.maxPollMs);
    this.timeoutMs = options.timeoutMs ?? TAIL_DEFAULTS.timeoutMs;
    this.maxPerSession = options.maxPerSession ?? TAIL_DEFAULTS.maxPerSession;
  }

  get stats(): StreamTailStats {
    return { ...this.counters };
  }

  /** Starts tailing `target`, or returns false when its session already has `maxPerSession` tails here. */
  start(target: TailTarget): boolean {
    const held = this.perSession.get(target.sessionId) ?? 0;
    if (held >= this.maxPerSession) {
      this.counters.refused++;
      this.options.log?.debug("resume over the tail cap: replayed and closed", {
        session: target.sessionId,
        stream: target.streamId,
        tails: held,
      });
      return false;
    }
    this.perSession.set(target.sessionId, held + 1);
    this.counters.started++;
    this.counters.active++;
    this.options.log?.debug("tailing a resumed stream", {
      session: target.sessionId,
      stream: target.streamId,
    });
    const tail = this.run(target)
      .catch(() => {
        target.close();
        return { polls: 0, outcome: "failed" };
      })
      .then(({ polls, outcome }) => {
        target.done?.();
        this.release(target.sessionId);
        this.options.log?.debug("resumed stream tail ended", {
          session: target.sessionId,
          stream: target.streamId,
          polls,
          outcome,
        });
      });
    this.running.add(tail);
    void tail.finally(() => this.running.delete(tail));
    return true;
  }

  /** Resolves when every tail has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async run(target: TailTarget): Promise<{ polls: number; outcome: string }> {
    const deadline = Date.now() + this.timeoutMs;
    let interval = this.pollMs;
    let polls = 0;
    while (Date.now() < deadline) {
      await Bun.sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
      if (!target.isOpen()) return { polls, outcome: "client left" };
      polls++;
      this.counters.polls++;
      const { received, answered } = await target.poll();
      if (answered) {
        target.close();
        return { polls, outcome: "answered" };
      }
      interval = received > 0 ? this.pollMs : Math.min(interval * 2, this.maxPollMs);
    }
    // Still no answer: closing lets the client resume later from the last event it saw.
    target.close();
    return { polls, outcome: "timed out" };
  }

  private release(sessionId: string): void {
    this.counters.active--;
    const held = (this.perSession.get(sessionId) ?? 1) - 1;
    if (held <= 0) this.perSession.delete(sessionId);
    else this.perSession.set(sessionId, held);
  }
}
