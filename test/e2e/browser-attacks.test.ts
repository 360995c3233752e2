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

beforeAll(async () => {
  product = await startService("product-service", { env: { INTERNAL_TOKEN: TOKEN, BASE_PATH: "/product" } });
}, 120_000);

afterAll(async () => {
  await product?.stop();
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
