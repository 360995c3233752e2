import { describe, expect, test } from "bun:test";
import { itemsFingerprint, normalizeItems, sumByProduct } from "./items.ts";

describe("requested items", () => {
  test("repeated ids are added up: in first-seen order, or normalized in id order", () => {
    const items = [
      { productId: "p005", quantity: 1 },
      { productId: "p002", quantity: 2 },
      { productId: "p005", quantity: 3 },
    ];
    const summed = [
      { productId: "p005", quantity: 4 },
      { productId: "p002", quantity: 2 },
    ];
    expect(sumByProduct(items)).toEqual(summed);
    expect(normalizeItems(items)).toEqual([
      { productId: "p002", quantity: 2 },
      { productId: "p005", quantity: 4 },
    ]);
  });

  test("the fingerprint is the stored format, equal for any order and split of the same items", () => {
    expect(
      itemsFingerprint([
        { productId: "b", quantity: 1 },
        { productId: "a", quantity: 2 },
      ]),
    ).toBe("a:2,b:1");
    expect(
      itemsFingerprint([
        { productId: "a", quantity: 1 },
        { productId: "b", quantity: 1 },
        { productId: "a", quantity: 1 },
      ]),
    ).toBe("a:2,b:1");
  });
});
