/**
 * Test support for the direct path's differential tests (direct-calls.test.ts, session-calls.test.ts):
 * two copies of one app (real SQLite, real API-key auth, the real SDK and the kit's registerTool), one
 * with the direct path and one without (assembleService's directCalls: false), and a way to send both
 * the same request and keep what a client reads of the answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { buildApp, type KitApp } from "../../app/build.ts";
import { type AssembledService, assembleService } from "../../app/start.ts";
import { type KitConfig, kitConfigShape, parseConfig } from "../../config.ts";
import { DomainError } from "../../errors.ts";
import { createLogger } from "../../log.ts";
import { noMetrics } from "../../metrics.ts";
import type { ServiceDefinition } from "../../service.ts";
import { createConfirmationCodec } from "../confirmation.ts";
import { READ_ONLY_TOOL, registerTool } from "../tools.ts";

export const KEY = "rmcp_alice_dev_key_0123456789";
const confirmations = createConfirmationCodec("direct-test-state-key-of-32-bytes-or-more");

const definition: ServiceDefinition<KitConfig> = {
  info: { name: "direct-test", version: "1.0.0", description: "direct path against the SDK's" },
  migrations: [],
  setup: async ({ log, metrics }) => ({
    createMcpServer: () => {
      const server = new McpServer(
        { name: "direct-test", version: "1.0.0" },
        { requestState: { verify: confirmations.verify } },
      );
      const kit = { log, metrics, confirmations };
      registerTool(server, kit, {
        name: "get_product",
        title: "Get product",
        description: "Reads one product; a missing one is a domain error",
        input: { product_id: z.string().max(100_000) },
        output: { id: z.string(), name: z.string() },
        annotations: READ_ONLY_TOOL,
        scope: "products:read",
        handler: async ({ product_id }, call) => {
          await call.progress(1, 1);
          if (product_id === "missing") throw new DomainError("not_found", `No product ${product_id}.`);
          if (product_id === "crash") throw new Error("secret internals");
          return { id: product_id, name: `Product ${product_id} ✓ 製品` };
        },
      });
      registerTool(server, kit, {
        name: "bad_output",
        title: "Bad output",
        description: "Returns what its output schema refuses",
        input: {},
        output: { count: z.number() },
        annotations: READ_ONLY_TOOL,
        scope: "products:read",
        handler: async () => ({ count: "many" }) as unknown as { count: number },
      });
      registerTool(server, kit, {
        name: "unscoped",
        title: "Unscoped",
        description: "Has no scope: refused to every caller with a key",
        input: {},
        output: { ok: z.boolean() },
        annotations: READ_ONLY_TOOL,
        handler: async () => ({ ok: true }),
      });
      registerTool(server, kit, {
        name: "create_order",
        title: "Create order",
        description: "Writes, and asks the user to confirm the sku 'big'",
        input: { sku: z.string() },
        output: { done: z.boolean() },
        annotations: { ...READ_ONLY_TOOL, readOnlyHint: false },
        scope: "orders:write",
        handler: async ({ sku }, call) => {
          if (sku !== "big") return { done: true };
          const outcome = await call.confirm(`Order ${sku}?`, sku);
          if (outcome.kind === "ask") return outcome.result;
          if (outcome.kind !== "confirmed")
            throw new DomainError("invalid", `Not confirmed (${outcome.kind}).`);
          return { done: true };
        },
      });
      return server;
    },
  }),
};

export interface Copy {
  service: AssembledService;
  app: KitApp;
}

export interface Copies {
  direct: Copy;
  sdk: Copy;
  close(): Promise<void>;
}

/** Both copies, each on its own SQLite file in a fresh folder that close() removes. */
export async function startCopies(): Promise<Copies> {
  const dir = mkdtempSync(join(tmpdir(), "kit-direct-calls-"));
  const start = async (name: string, directCalls: boolean): Promise<Copy> => {
    const parsed = parseConfig(z.object(kitConfigShape), {
      DATABASE_URL: `sqlite://${join(dir, `${name}.sqlite`)}`,
      AUTH_MODE: "api-key",
      API_KEYS: `alice=${KEY}`,
      PORT: "0",
    });
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const log = createLogger("error", {}, () => undefined);
    const service = await assembleService(definition, parsed.config, log, noMetrics, () => undefined, {
      directCalls,
    });
    return { service, app: buildApp(service.parts) };
  };
  const direct = await start("direct", true);
  const sdk = await start("sdk", false);
  return {
    direct,
    sdk,
    close: async () => {
      for (const copy of [direct, sdk]) {
        await copy.service.parts.endpoint.closeAll();
        await copy.service.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The headers a 2025 client sends with a JSON-RPC POST to either copy, with `extra` on top. */
export function legacyHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-11-25",
    host: "127.0.0.1",
    authorization: `Bearer ${KEY}`,
    ...extra,
  });
}

export interface Seen {
  status: number;
  contentType: string | null;
  wwwAuthenticate: string | null;
  sessionId: string | null;
  body: unknown;
}

/**
 * A signed request state (`v1.<payload>.<signature>`) carries its expiry in whole seconds, so two
 * answers made a moment apart may differ there, and in the signature with it. What it says must match:
 * the subject and the binding are kept, the expiry and the signature are not compared.
 */
function withoutStateExpiry(text: string): string {
  return text.replace(/"requestState":"v1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+"/g, (_, payload: string) => {
    const { exp: _expiry, ...said } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return `"requestState":${JSON.stringify(`v1 ${JSON.stringify(said)}`)}`;
  });
}

export async function send(copy: Copy, body: string, headers: Headers): Promise<Seen> {
  const request = new Request("http://127.0.0.1/mcp", { method: "POST", headers, body });
  const answer = await copy.app.handle(request);
  // Each request gets its own request id, which an unexpected error's message names: the one
  // difference allowed between the copies, and only in that place.
  const text = withoutStateExpiry(
    (await answer.text()).replace(/\(request id [0-9a-f-]{36}\)/g, "(request id …)"),
  );
  const contentType = answer.headers.get("content-type");
  return {
    status: answer.status,
    contentType,
    wwwAuthenticate: answer.headers.get("www-authenticate"),
    sessionId: answer.headers.get("mcp-session-id"),
    body: contentType?.startsWith("application/json") ? JSON.parse(text) : text,
  };
}
