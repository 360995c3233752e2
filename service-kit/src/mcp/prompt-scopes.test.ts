import { describe, expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import { InProcessTransport } from "./legacy/in-process-transport.ts";
import {
  applyPromptScopes,
  declareCompletionScope,
  promptAccess,
  registerScopedPrompt,
} from "./prompt-scopes.ts";
import { toAuthInfo } from "./read-post.ts";

const reader: Principal = { id: "reader", scopes: ["orders:read"], via: "api-key" };
const shopper: Principal = { id: "shopper", scopes: ["products:read"], via: "api-key" };

function server(): McpServer {
  const built = new McpServer({ name: "t", version: "1" });
  registerScopedPrompt(
    built,
    "gift",
    { scope: "products:read", argsSchema: z.object({ budget: z.string() }) },
    ({ budget }) => ({ messages: [{ role: "user", content: { type: "text", text: `at most ${budget}` } }] }),
  );
  declareCompletionScope(built, "product://{product_id}", "products:read");
  return built;
}

const rpc = (method: string, params: unknown) => ({ jsonrpc: "2.0", id: 1, method, params });

describe("prompt and completion scopes", () => {
  test("prompts/get and completions of declared prompts and templates need the declared scope", () => {
    const built = server();
    const requests = [
      rpc("prompts/get", { name: "gift", arguments: { budget: "5" } }),
      rpc("completion/complete", {
        ref: { type: "ref/prompt", name: "gift" },
        argument: { name: "budget", value: "" },
      }),
      rpc("completion/complete", {
        ref: { type: "ref/resource", uri: "product://{product_id}" },
        argument: { name: "product_id", value: "p" },
      }),
    ];
    for (const request of requests) {
      const denied = promptAccess(built, request, reader);
      expect(denied.ok).toBe(false);
      expect(!denied.ok && denied.message).toContain("needs the products:read scope");
      expect(promptAccess(built, request, shopper)).toEqual({ ok: true });
    }
    // Undeclared prompts, templates and other methods are left to their handlers.
    expect(promptAccess(built, rpc("prompts/get", { name: "other" }), reader)).toEqual({ ok: true });
    expect(promptAccess(built, rpc("tools/list", {}), reader)).toEqual({ ok: true });
  });

  test("prompts/list hides a prompt from a caller without its scope, and the handler refuses it too", async () => {
    const built = server();
    const transport = new InProcessTransport();
    await built.connect(transport);
    const as = (principal: Principal) => ({ authInfo: toAuthInfo(principal, "test") });
    const listed = async (principal: Principal): Promise<unknown> => {
      applyPromptScopes(built, principal);
      const answer = (await transport.request(
        rpc("prompts/list", {}) as never,
        as(principal),
      )) as unknown as {
        result: { prompts: { name: string }[] };
      };
      return answer.result.prompts.map((prompt) => prompt.name);
    };
    expect(await listed(reader)).toEqual([]);
    expect(await listed(shopper)).toEqual(["gift"]);
    // Reached without the HTTP layer's check (the prompt enabled for someone else): still refused.
    const get = rpc("prompts/get", { name: "gift", arguments: { budget: "5" } }) as never;
    const refused = (await transport.request(get, as(reader))) as unknown as { error?: { message: string } };
    expect(refused.error?.message).toContain("the gift prompt needs the products:read scope");
    const served = (await transport.request(get, as(shopper))) as unknown as {
      result?: { messages: { content: { text: string } }[] };
    };
    expect(served.result?.messages[0]?.content.text).toBe("at most 5");
    await built.close();
  });
});
