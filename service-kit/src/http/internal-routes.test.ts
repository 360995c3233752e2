import { describe, expect, test } from "bun:test";
import { guardInternalRequest, type InternalGuard } from "./internal-routes.ts";
import { RateLimiter } from "./rate-limit.ts";
import type { RequestContext } from "./request-context.ts";

const TOKEN = "unit-internal-token-0123456789";

function guard(configured = true): InternalGuard {
  return {
    token: () => (configured ? TOKEN : undefined),
    policy: { allowedOrigins: [], loopbackBind: true },
    failures: new RateLimiter({ perMinute: 60, burst: 2 }),
  };
}

function context(): RequestContext {
  return { requestId: "r", startedAt: 0, fields: {} };
}

function request(headers: Record<string, string>, method = "POST"): Request {
  return new Request("http://127.0.0.1:3001/internal/reservations", {
    method,
    headers: { host: "127.0.0.1:3001", ...headers },
  });
}

const json = { "content-type": "application/json" };
const bearer = { authorization: `Bearer ${TOKEN}` };

describe("guardInternalRequest", () => {
  test("the right token with a JSON body passes; X-Internal-Token works too", () => {
    expect(guardInternalRequest(request({ ...json, ...bearer }), "a", guard(), context())).toBeUndefined();
    expect(
      guardInternalRequest(request({ ...json, "x-internal-token": TOKEN }), "a", guard(), context()),
    ).toBeUndefined();
    expect(
      guardInternalRequest(
        request({ "content-type": "application/json; charset=utf-8", ...bearer }),
        "a",
        guard(),
        context(),
      ),
    ).toBeUndefined();
  });

  test("no configured token: 503 for everyone, the right-looking token included", () => {
    expect(guardInternalRequest(request({ ...json, ...bearer }), "a", guard(false), context())?.status).toBe(
      503,
    );
  });

  test("foreign or look-alike origins and hosts: 403 before the token is looked at", () => {
    const attacks: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "http://127.0.0.1.nip.io" },
      { host: "127.0.0.1.nip.io" },
    ];
    for (const headers of attacks)
      expect(
        guardInternalRequest(request({ ...json, ...bearer, ...headers }), "a", guard(), context())?.status,
      ).toBe(403);
  });

  test("a text/plain or form body is 415 even with the token; DELETE needs no body", () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "application/jsonp"])
      expect(
        guardInternalRequest(request({ "content-type": type, ...bearer }), "a", guard(), context())?.status,
      ).toBe(415);
    expect(guardInternalRequest(request(bearer, "DELETE"), "a", guard(), context())).toBeUndefined();
  });

  test("wrong tokens count per address; a used-up address waits, another does not", () => {
    const shared = guard();
    const ctx = context();
    expect(
      guardInternalRequest(request({ ...json, authorization: "Bearer nope" }), "a", shared, ctx)?.status,
    ).toBe(401);
    expect(ctx.fields.authFailure).toBe("wrong service token");
    expect(guardInternalRequest(request(json), "a", shared, context())?.status).toBe(401);
    const blocked = guardInternalRequest(request({ ...json, ...bearer }), "a", shared, context());
    expect(blocked?.status).toBe(429);
    expect(blocked?.headers.get("retry-after")).toBe("1");
    expect(guardInternalRequest(request({ ...json, ...bearer }), "b", shared, context())).toBeUndefined();
  });
});
