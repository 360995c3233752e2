import { expect, test } from "bun:test";
import { pathnameOf } from "./request-log.ts";

test("pathnameOf gives what URL.pathname gives for the URLs a server sees", () => {
  for (const url of [
    "http://127.0.0.1:8080/mcp",
    "http://127.0.0.1:8080/product/mcp?x=1",
    "https://shop.example.com/order/health#top",
    "http://localhost/",
    "http://[::1]:3000/a/b/c?q=/d",
    "http://host:80?only=query",
    "http://127.0.0.1/mcp?a=1#b",
    "http://127.0.0.1/mcp#b?a=1",
  ]) {
    expect(pathnameOf(url)).toBe(new URL(url).pathname);
  }
});
