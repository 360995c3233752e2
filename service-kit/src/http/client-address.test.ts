import { expect, test } from "bun:test";
import { clientAddress } from "./client-address.ts";

function request(forwardedFor?: string): Request {
  return new Request(
    "http://service/mcp",
    forwardedFor ? { headers: { "x-forwarded-for": forwardedFor } } : {},
  );
}

test("without trusted proxies X-Forwarded-For is ignored: a client cannot pick its own address", () => {
  expect(clientAddress(request("203.0.113.9"), "198.51.100.7", 0)).toBe("198.51.100.7");
  expect(clientAddress(request(), undefined, 0)).toBe("unknown");
});

test("behind the ALB (one hop) the last entry, the one the ALB appended, is the caller", () => {
  // A client that forges X-Forwarded-For only adds entries in front of the ALB's.
  expect(clientAddress(request("1.2.3.4, 5.6.7.8, 203.0.113.9"), "10.0.1.23", 1)).toBe("203.0.113.9");
  expect(clientAddress(request("203.0.113.9"), "10.0.1.23", 1)).toBe("203.0.113.9");
  expect(clientAddress(request("1.2.3.4, 203.0.113.9, 10.0.0.5"), "10.0.1.23", 2)).toBe("203.0.113.9");
});

test("a request that did not pass the proxies falls back to the socket address", () => {
  expect(clientAddress(request(), "10.0.1.23", 1)).toBe("10.0.1.23");
  expect(clientAddress(request("203.0.113.9"), "10.0.1.23", 2)).toBe("10.0.1.23");
  expect(clientAddress(request(" , "), "10.0.1.23", 1)).toBe("10.0.1.23");
});
