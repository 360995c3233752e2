import { expect, test } from "bun:test";
import { IdlePool } from "./idle-pool.ts";

test("items come back only to their own key, one taker each", () => {
  const pool = new IdlePool<object>(8);
  const alice = {};
  expect(pool.put("alice", alice)).toBe(true);
  expect(pool.take("bob")).toBeUndefined();
  expect(pool.take("alice")).toBe(alice);
  expect(pool.take("alice")).toBeUndefined();
  expect(pool.size).toBe(0);
});

test("the bound holds across keys, and an item is never pooled twice", () => {
  const pool = new IdlePool<object>(2);
  const [a, b, c] = [{}, {}, {}];
  expect(pool.put("x", a)).toBe(true);
  expect(pool.put("x", a)).toBe(false);
  expect(pool.put("y", b)).toBe(true);
  expect(pool.put("z", c)).toBe(false);
  expect(pool.size).toBe(2);
  expect(pool.drain()).toEqual([a, b]);
  expect(pool.size).toBe(0);
  expect(pool.take("x")).toBeUndefined();
});
