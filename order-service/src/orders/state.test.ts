import { describe, expect, test } from "bun:test";
import { mergeItems } from "./items.ts";
import { canTransition, statusesAllowing } from "./state.ts";

describe("order state machine", () => {
  test("pending may become confirmed, rejected or cancelled; confirmed only cancelled", () => {
    expect(canTransition("pending", "confirmed")).toBe(true);
    expect(canTransition("pending", "rejected")).toBe(true);
    expect(canTransition("pending", "cancelled")).toBe(true);
    expect(canTransition("confirmed", "cancelled")).toBe(true);
    expect(canTransition("confirmed", "rejected")).toBe(false);
    expect(canTransition("confirmed", "pending")).toBe(false);
  });

  test("rejected and cancelled are final", () => {
    for (const to of ["pending", "confirmed", "rejected", "cancelled"] as const) {
      expect(canTransition("rejected", to)).toBe(false);
      expect(canTransition("cancelled", to)).toBe(false);
    }
    expect(statusesAllowing("cancelled")).toEqual(["pending", "confirmed"]);
    expect(statusesAllowing("rejected")).toEqual(["pending"]);
  });
});

describe("order items", () => {
  test("more than 100 units of one product after merging is refused with the product named", () => {
    expect(() =>
      mergeItems([
        { productId: "p002", quantity: 60 },
        { productId: "p002", quantity: 41 },
      ]),
    ).toThrow(/p002 \(101\)/);
  });
});
