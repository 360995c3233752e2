import { describe, expect, test } from "bun:test";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { createLogger } from "../log.ts";
import { noMetrics } from "../metrics.ts";
import { InProcessTransport } from "./legacy/in-process-transport.ts";
import { READ_ONLY_TOOL, registerTool, type ToolDefinition, type ToolKit } from "./tools.ts";

const kit: ToolKit = { log: createLogger("error", {}, () => undefined), metrics: noMetrics };

// Defined once, as the services define theirs.
const shoutInput = { text: z.string().max(5) };
const shoutOutput = { text: z.string() };
const shout: ToolDefinition<typeof shoutInput, typeof shoutOutput> = {
  name: "shout",
  title: "Shout",
  description: "Upper-cases a short text",
  input: shoutInput,
  output: shoutOutput,
  annotations: READ_ONLY_TOOL,
  handler: async ({ text }) => ({ text: text.toUpperCase() }),
};

async function serverWith<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  tool: ToolDefinition<I, O>,
): Promise<{ transport: InProcessTransport; registered: ReturnType<typeof registerTool> }> {
  const server = new McpServer({ name: "tools-test", version: "1.0.0" }, { capabilities: {} });
  const registered = registerTool(server, kit, tool);
  const transport = new InProcessTransport();
  await server.connect(transport);
  return { transport, registered };
}

async function callTool(transport: InProcessTransport, args: unknown): Promise<Record<string, unknown>> {
  const answer = (await transport.request(
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "shout", arguments: args } },
    // AUTH_MODE=none: a tool without a scope is served.
    { authInfo: { token: "", clientId: "local", scopes: [], extra: { via: "none" } } },
  )) as { result: Record<string, unknown> };
  return answer.result;
}

describe("registerTool", () => {
  test("servers built from one definition share its input and output schemas, and each validates with them", async () => {
    const first = await serverWith(shout);
    const second = await serverWith(shout);
    expect(second.registered.inputSchema).toBe(first.registered.inputSchema);
    expect(second.registered.outputSchema).toBe(first.registered.outputSchema);

    expect(await callTool(first.transport, { text: "hey" })).toMatchObject({
      structuredContent: { text: "HEY" },
    });
    const refused = await callTool(second.transport, { text: "far too long" });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("Too big");
  });

  test("another shape object with the same field names gets a schema of its own", async () => {
    const longer = { ...shout, input: { text: z.string().max(20) } };
    const strict = await serverWith(shout);
    const lenient = await serverWith(longer);
    expect(lenient.registered.inputSchema).not.toBe(strict.registered.inputSchema);
    expect(await callTool(lenient.transport, { text: "far too long" })).toMatchObject({
      structuredContent: { text: "FAR TOO LONG" },
    });
    expect((await callTool(strict.transport, { text: "far too long" })).isError).toBe(true);
  });
});
