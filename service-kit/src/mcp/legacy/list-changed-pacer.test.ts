import { expect, test } from "bun:test";
import { ListChangedPacer } from "./list-changed-pacer.ts";

const INTERVAL_MS = 40;

/** Records when `send` ran, in ms since the test started. */
function recorder(): { times: number[]; send: () => void } {
  const started = performance.now();
  const times: number[] = [];
  return { times, send: () => times.push(performance.now() - started) };
}

test("the first change is sent at once; a burst after it becomes one notification at the interval's end", async () => {
  const pacer = new ListChangedPacer(INTERVAL_MS);
  const session = {};
  const { times, send } = recorder();
  pacer.changed(session, send);
  expect(times).toHaveLength(1);
  for (let i = 0; i < 20; i++) pacer.changed(session, send);
  expect(times).toHaveLength(1);
  await Bun.sleep(INTERVAL_MS * 3);
  expect(times).toHaveLength(2);
  // Not before the interval is over (timers may fire a little early, never much).
  expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(INTERVAL_MS - 2);
  pacer.close();
});

test("after a quiet interval the next change is sent at once again", async () => {
  const pacer = new ListChangedPacer(INTERVAL_MS);
  const session = {};
  const { times, send } = recorder();
  pacer.changed(session, send);
  await Bun.sleep(INTERVAL_MS + 10);
  pacer.changed(session, send);
  expect(times).toHaveLength(2);
  pacer.close();
});

test("a change during a wait joins it; the last change is always followed by a notification", async () => {
  const pacer = new ListChangedPacer(INTERVAL_MS);
  const session = {};
  const { times, send } = recorder();
  let sentRightAfterPaced: number | undefined;
  const sendThenChange = (): void => {
    send();
    // A change right after the paced notification waits for an interval of its own.
    if (times.length === 2) {
      pacer.changed(session, sendThenChange);
      sentRightAfterPaced = times.length;
    }
  };
  pacer.changed(session, sendThenChange);
  pacer.changed(session, sendThenChange);
  await Bun.sleep(INTERVAL_MS / 2);
  pacer.changed(session, sendThenChange);
  expect(times).toHaveLength(1);
  await Bun.sleep(INTERVAL_MS * 4);
  expect(sentRightAfterPaced).toBe(2);
  expect(times).toHaveLength(3);
  expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(INTERVAL_MS - 2);
  pacer.close();
});

test("sessions are paced apart", () => {
  const pacer = new ListChangedPacer(INTERVAL_MS);
  const a = recorder();
  const b = recorder();
  pacer.changed({}, a.send);
  const second = {};
  pacer.changed(second, b.send);
  pacer.changed(second, b.send);
  expect([a.times.length, b.times.length]).toEqual([1, 1]);
  pacer.close();
});

test("close drops what still waits", async () => {
  const pacer = new ListChangedPacer(INTERVAL_MS);
  const session = {};
  const { times, send } = recorder();
  pacer.changed(session, send);
  pacer.changed(session, send);
  pacer.close();
  await Bun.sleep(INTERVAL_MS * 2);
  expect(times).toHaveLength(1);
});
