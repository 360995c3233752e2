import { expect, test } from "bun:test";
import { preflightResponse } from "./cors.ts";
import { checkOriginAndHost } from "./origin-guard.ts";

const loopback = { allowedOrigins: [] as string[], loopbackBind: true };
const cloud = { allowedOrigins: ["https://claude.ai"], loopbackBind: false };

function request(headers: Record<string, string>): Request {
  return new Request("http://127.0.0.1:3001/mcp", { method: "POST", headers });
}

test("no Origin (non-browser clients) passes; loopback origins pass on a loopback bind", () => {
  expect(checkOriginAndHost(request({ host: "127.0.0.1:3001" }), loopback).ok).toBe(true);
  expect(
    checkOriginAndHost(request({ host: "localhost:3001", origin: "http://localhost:6274" }), loopback).ok,
  ).toBe(true);
});

test("a foreign Origin is refused with advice", () => {
  const verdict = checkOriginAndHost(
    request({ host: "127.0.0.1:3001", origin: "https://evil.example" }),
    loopback,
  );
  expect(verdict.ok).toBe(false);
  if (!verdict.ok) expect(verdict.message).toContain("ALLOWED_ORIGINS");
});

test("DNS rebinding: a non-loopback Host is refused on a loopback bind only", () => {
  expect(checkOriginAndHost(request({ host: "evil.example.com" }), loopback).ok).toBe(false);
  expect(checkOriginAndHost(request({ host: "[::1]:3001" }), loopback).ok).toBe(true);
  expect(checkOriginAndHost(request({ host: "mcp.shop.example" }), cloud).ok).toBe(true);
});

test("in the cloud only listed origins pass", () => {
  expect(checkOriginAndHost(request({ host: "x", origin: "https://claude.ai" }), cloud).ok).toBe(true);
  expect(checkOriginAndHost(request({ host: "x", origin: "http://localhost:6274" }), cloud).ok).toBe(false);
});

test("look-alike loopback names are refused as Origin and as Host, and get no CORS preflight", () => {
  for (const origin of ["http://127.0.0.1.attacker.example", "http://127.0.0.1.nip.io:3001"]) {
    expect(checkOriginAndHost(request({ host: "127.0.0.1:3001", origin }), loopback).ok).toBe(false);
    const preflight = preflightResponse(
      new Request("http://127.0.0.1:3001/mcp", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-headers": "authorization, mcp-session-id" },
      }),
      loopback,
    );
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  }
  for (const host of ["127.0.0.1.nip.io", "127.rebind.attacker.tld:3001"])
    expect(checkOriginAndHost(request({ host }), loopback).ok).toBe(false);
});

test("the Host verdict is the same when asked again, also after many distinct Host values", () => {
  for (let round = 0; round < 2; round++) {
    expect(checkOriginAndHost(request({ host: "127.0.0.1:3001" }), loopback).ok).toBe(true);
    expect(checkOriginAndHost(request({ host: "127.0.0.1.nip.io" }), loopback).ok).toBe(false);
  }
  // More distinct values than are kept: the ones past the cap are still judged, each time.
  for (let i = 0; i < 300; i++) {
    expect(checkOriginAndHost(request({ host: `rebind-${i}.attacker.tld` }), loopback).ok).toBe(false);
    expect(checkOriginAndHost(request({ host: `127.0.${i % 256}.1:${3000 + i}` }), loopback).ok).toBe(true);
  }
  expect(checkOriginAndHost(request({ host: "late.attacker.tld:3001" }), loopback).ok).toBe(false);
  expect(checkOriginAndHost(request({ host: "localhost:3001" }), loopback).ok).toBe(true);
});
