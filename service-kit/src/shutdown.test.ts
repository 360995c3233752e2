import { expect, test } from "bun:test";
import { InFlightTracker } from "./shutdown.ts";

test("idle() waits for the requests in flight, also after the count touched zero before it was asked", async () => {
  const tracker = new InFlightTracker();
  // The count goes to zero and up again many times while nobody waits (a server under load).
  for (let i = 0; i < 3; i++) tracker.begin()();
  expect(await tracker.idle(1000)).toBe(true);
  const first = tracker.begin();
  const second = tracker.begin();
  let settled: boolean | undefined;
  const waiting = tracker.idle(5000).then((value) => {
    settled = value;
    return value;
  });
  first();
  first(); // a second call of the same `done` changes nothing
  await Bun.sleep(1);
  expect(settled).toBeUndefined();
  expect(tracker.count).toBe(1);
  second();
  expect(await waiting).toBe(true);
  expect(tracker.count).toBe(0);
});

test("idle() answers false when the requests outlast its limit", async () => {
  const tracker = new InFlightTracker();
  const done = tracker.begin();
  expect(await tracker.idle(5)).toBe(false);
  done();
  expect(await tracker.idle(5)).toBe(true);
});
