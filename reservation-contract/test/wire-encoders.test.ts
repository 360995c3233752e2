/**
 * encodeReserveRequest and encodeReservedResponse must give exactly what the schemas' own encode gives:
 * the same wire body for a valid value, the same refusal (paths and messages) for an invalid one.
 */
import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import {
  encodeReservedResponse,
  encodeReserveRequest,
  MAX_LINES_PER_ORDER,
  MAX_QUANTITY_PER_PRODUCT,
  type ReservedLine,
  reservedResponse,
  reserveRequest,
} from "../src/index.ts";

type Request = z.output<typeof reserveRequest>;

const item = (productId: string, quantity: number) => ({ productId, quantity });

const requests: Record<string, Request> = {
  "one line": { order_id: "ord_1", items: [item("p001", 1)] },
  "with a cap": { order_id: "ord_2", max_total_cents: 50_000, items: [item("p001", 2), item("p014", 3)] },
  "a cap of zero": { order_id: "ord:3", max_total_cents: 0, items: [item("p002", 1)] },
  "a product named twice, within the bound": {
    order_id: "ord-4",
    items: [item("p003", MAX_QUANTITY_PER_PRODUCT - 1), item("p003", 1)],
  },
  "a product named twice, above the bound": {
    order_id: "ord_5",
    items: [item("p003", MAX_QUANTITY_PER_PRODUCT), item("p003", 1)],
  },
  "a quantity of zero": { order_id: "ord_6", items: [item("p001", 0)] },
  "a fractional quantity": { order_id: "ord_7", items: [item("p001", 1.5)] },
  "a product id with a space": { order_id: "ord_8", items: [item("p 001", 1)] },
  "no lines": { order_id: "ord_9", items: [] },
  "too many lines": {
    order_id: "ord_10",
    items: Array.from({ length: MAX_LINES_PER_ORDER + 1 }, (_, i) =>
      item(`p${String(i + 1).padStart(3, "0")}`, 1),
    ),
  },
  "an order id with a space": { order_id: "ord 11", items: [item("p001", 1)] },
  "a negative cap": { order_id: "ord_12", max_total_cents: -1, items: [item("p001", 1)] },
  "a cap with cents of cents": { order_id: "ord_13", max_total_cents: 10.5, items: [item("p001", 1)] },
};

const issuesOf = (error: z.ZodError) => error.issues.map(({ path, message }) => ({ path, message }));

describe("encodeReserveRequest", () => {
  for (const [name, request] of Object.entries(requests)) {
    test(`${name}: as reserveRequest.safeEncode`, () => {
      const expected = reserveRequest.safeEncode(request);
      const actual = encodeReserveRequest(request);
      expect(actual.success).toBe(expected.success);
      if (expected.success && actual.success) expect(actual.data).toEqual(expected.data);
      if (!expected.success && !actual.success)
        expect(issuesOf(actual.error)).toEqual(issuesOf(expected.error));
    });
  }

  test("the cases above hold both valid and invalid requests", () => {
    const outcomes = Object.values(requests).map((request) => encodeReserveRequest(request).success);
    expect(outcomes.filter(Boolean).length).toBe(4);
    expect(outcomes.filter((ok) => !ok).length).toBe(9);
  });
});

describe("encodeReservedResponse", () => {
  const line = (productId: string, quantity: number, unitPriceCents: number): ReservedLine => ({
    productId,
    name: `Product ${productId}`,
    quantity,
    unitPriceCents,
    currency: "EUR",
  });

  test("gives what reservedResponse.encode gives", () => {
    for (const lines of [[], [line("p001", 1, 1999)], [line("p001", 2, 1999), line("p014", 1, 45_000)]]) {
      expect(encodeReservedResponse("ord_1", lines)).toEqual(
        reservedResponse.encode({ order_id: "ord_1", lines }),
      );
    }
  });

  test("throws, as reservedResponse.encode does, when a line is malformed", () => {
    const bad = [{ ...line("p001", 1, 1999), unitPriceCents: 19.99 }];
    expect(() => reservedResponse.encode({ order_id: "ord_1", lines: bad })).toThrow();
    expect(() => encodeReservedResponse("ord_1", bad)).toThrow();
  });
});
