/**
 * What a web page in the user's browser can do to a server on this machine, against the compiled
 * binary bound to loopback without auth (the `npm run dev` setup): look-alike loopback names as Origin
 * or Host (DNS rebinding), and cross-site requests to the internal reservation API (CSRF).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ServiceHandle, startService } from "../support/service-process.ts";

const TOKEN = "browser-attacks-internal-token-0123456789";
const LOOK_ALIKE_ORIGINS = ["http://127.0.0.1.attacker.example", "http://127.0.0.1.nip.io"];
const LOOK_ALIKE_HOSTS = ["127.0.0.1.nip.io", "127.rebind.attacker.tld"];

let product: ServiceHandle;
let tokenless: ServiceHandle;

beforeAll(async () => {
  [product, tokenless] = await Promise.all([
    startService("product-service", { env: { INTERNAL_TOKEN: TOKEN, BASE_PATH: "/product" } }),
    // The `npm run dev` setup before it generated a token: loopback, no auth, no INTERNAL_TOKEN.
    startService("product-service", { env: { INTERNAL_TOKEN: "" } }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([product?.stop(), tokenless?.stop()]);
});

function listTools(headers: Record<string, string>): Promise<Response> {
  return fetch(product.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}

describe("look-alike loopback names", () => {
  test("a real loopback origin and host still pass, with CORS headers", async () => {
    const response = await listTools({ origin: "http://127.0.0.1:6274", host: `localhost:${product.port}` });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:6274");
  });

  test("an Origin that only starts with 127. is refused, and its CORS preflight too", async () => {
    for (const origin of LOOK_ALIKE_ORIGINS) {
      const response = await listTools({ origin });
      expect(response.status).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(await response.text()).toContain("ALLOWED_ORIGINS");
      const preflight = await fetch(product.mcpUrl, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, mcp-session-id, content-type",
        },
      });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    }
  });

  test("a Host that only starts with 127. is refused (DNS rebinding)", async () => {
    for (const host of [...LOOK_ALIKE_HOSTS, `127.0.0.1.nip.io:${product.port}`]) {
      const response = await listTools({ host });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("not allowed on a loopback server");
    }
  });
});

async function stockOf(service: ServiceHandle, id: string): Promise<number> {
  const response = await fetch(service.mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "check_inventory", arguments: { product_ids: [id] } },
    }),
  });
  const body = (await response.json()) as { result: { structuredContent: { items: { stock: number }[] } } };
  return body.result.structuredContent.items[0]?.stock ?? Number.NaN;
}

const RESERVATION = JSON.stringify({ order_id: "csrf-1", items: [{ product_id: "p001", quantity: 5 }] });

/**
 * What a page's cross-site "simple" request looks like: text/plain, no preflight, the page's Origin.
 * A header given as "" is left out.
 */
function simpleRequest(service: ServiceHandle, headers: Record<string, string> = {}): Promise<Response> {
  const all = { "content-type": "text/plain;charset=UTF-8", origin: "https://evil.example", ...headers };
  return fetch(`http://127.0.0.1:${service.port}/internal/reservations`, {
    method: "POST",
    headers: Object.fromEntries(Object.entries(all).filter(([, value]) => value !== "")),
    body: RESERVATION,
  });
}

describe("the internal reservation API and web pages (CSRF)", () => {
  test("without INTERNAL_TOKEN the API serves nobody: 503 naming the fix, and no stock moves", async () => {
    const before = await stockOf(tokenless, "p001");
    expect((await simpleRequest(tokenless)).status).toBe(403);
    const plain = await simpleRequest(tokenless, { origin: "" });
    expect(plain.status).toBe(503);
    const json = await fetch(`http://127.0.0.1:${tokenless.port}/internal/reservations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: RESERVATION,
    });
    expect(json.status).toBe(503);
    expect(((await json.json()) as { message: string }).message).toContain("INTERNAL_TOKEN");
    expect(await stockOf(tokenless, "p001")).toBe(before);
    expect(
      tokenless.logLines().some((line) => String(line.msg).includes("internal reservation API is off")),
    ).toBe(true);
  });

  test("with the token: a foreign Origin gets 403, a look-alike Host 403, a text/plain body 415", async () => {
    const before = await stockOf(product, "p001");
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await simpleRequest(product, { ...auth, "content-type": "application/json" })).status).toBe(403);
    expect(
      (
        await simpleRequest(product, {
          ...auth,
          origin: "",
          host: "127.0.0.1.nip.io",
          "content-type": "application/json",
        })
      ).status,
    ).toBe(403);
    const plain = await simpleRequest(product, { ...auth, origin: "" });
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as { message: string }).message).toContain("application/json");
    expect(await stockOf(product, "p001")).toBe(before);
  });

  test("the API is served at the root only, never under BASE_PATH where the load balancer routes", async () => {
    const response = await fetch(`${product.baseUrl}/internal/reservations`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: RESERVATION,
    });
    expect(response.status).toBe(404);
    const release = await fetch(`${product.baseUrl}/internal/reservations/csrf-1`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(release.status).toBe(404);
  });

  test("a broken percent-encoding in the order id is a 400, not a 500 URIError", async () => {
    const response = await fetch(`http://127.0.0.1:${product.port}/internal/reservations/%E0%A4%A`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("percent-encoding");
    expect(product.logLines().filter((line) => line.level === "error")).toEqual([]);
  });

  test("failed token tries are limited per address: then even the right token waits", async () => {
    const url = `http://127.0.0.1:${product.port}/internal/reservations/csrf-none`;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const response = await fetch(url, {
        method: "DELETE",
        headers: { authorization: `Bearer guess-${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    const right = await fetch(url, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
