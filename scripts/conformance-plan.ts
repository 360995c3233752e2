/**
 * Which conformance scenarios a service is checked with, per protocol era: the scenarios that need no
 * fixture tools (the fixture server has the suite's hard-coded test_* tools, the services do not),
 * limited to the features the server declares (initialize for 2025, server/discover for 2026).
 */
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The protocol revisions whose requirement sets `bun run conformance` checks. */
export const ERAS = ["2026-07-28", "2025-11-25"] as const;
export type Era = (typeof ERAS)[number];

type Feature = "tools" | "resources" | "prompts" | "logging" | "subscribe";

const ALWAYS: Record<Era, string[]> = {
  "2025-11-25": ["server-initialize", "ping", "dns-rebinding-protection", "server-sse-multiple-streams"],
  "2026-07-28": [
    "dns-rebinding-protection",
    "server-sse-multiple-streams",
    "caching",
    "http-header-validation",
    // These four pass without the fixture's input_required tools too: they check how the server
    // treats stray input responses, unknown methods and bad arguments, not the rounds themselves.
    "input-required-result-unsupported-methods",
    "input-required-result-missing-input-response",
    "input-required-result-ignore-extra-params",
    "input-required-result-validate-input",
  ],
};

const BY_FEATURE: Record<Era, [Feature, string[]][]> = {
  "2025-11-25": [
    ["tools", ["tools-list"]],
    ["resources", ["resources-list"]],
    ["prompts", ["prompts-list"]],
    ["logging", ["logging-set-level"]],
    // The suite subscribes to test://watched-resource and checks only the {} answer: a server that
    // declares resources.subscribe accepts a subscription to any URI, so it fits the services too.
    ["subscribe", ["resources-subscribe", "resources-unsubscribe"]],
  ],
  // 2026-07-28 has no logging/setLevel (SEP-2577) and no resources/subscribe.
  "2026-07-28": [
    ["tools", ["tools-list"]],
    ["resources", ["resources-list", "sep-2164-resource-not-found"]],
    ["prompts", ["prompts-list"]],
  ],
};

async function declaredFeatures(url: string, era: Era): Promise<Set<Feature>> {
  let capabilities: Partial<Record<Feature, unknown>> & { resources?: { subscribe?: boolean } };
  if (era === "2026-07-28") {
    // The v2 client pinned to 2026-07-28 discovers with server/discover, without a session.
    const client = new ModernClient(
      { name: "conformance-planner", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(new ModernTransport(new URL(url)));
    capabilities = client.getServerCapabilities() ?? {};
    await client.close();
  } else {
    const client = new Client({ name: "conformance-planner", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    capabilities = client.getServerCapabilities() ?? {};
    await client.close();
  }
  const declared = new Set<Feature>(
    (["tools", "resources", "prompts", "logging"] as const).filter((f) => capabilities[f]),
  );
  if (capabilities.resources?.subscribe === true) declared.add("subscribe");
  return declared;
}

/** The fixture-free scenarios of `era` for the features this server declares. */
export async function serviceScenarios(
  url: string,
  era: Era,
): Promise<{ run: string[]; notDeclared: string[] }> {
  const declared = await declaredFeatures(url, era);
  const run = [...ALWAYS[era]];
  const notDeclared: string[] = [];
  for (const [feature, scenarios] of BY_FEATURE[era])
    (declared.has(feature) ? run : notDeclared).push(...scenarios);
  // 2026-07-28 subscriptions/listen is checked by server-stateless, which needs the fixture's tools.
  return { run, notDeclared };
}
