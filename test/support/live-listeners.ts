/**
 * Clients that listen for live updates the way MCP clients do, recording what they heard and when:
 * the SDK v2 client's `subscriptions/listen` (2026-07-28) and the SDK v1 client's `resources/subscribe`
 * on a session's GET stream (2025-11-25).
 */
import type { Client as ModernClient } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { type ConnectedClient, connectClient } from "./mcp-client.ts";
import { connectModernClient } from "./mcp-v2-client.ts";

/** "list_changed" or the URI that was updated, with the time it arrived. */
export interface Heard {
  what: string;
  at: number;
}

export interface LiveListener {
  readonly era: "2026-07-28" | "2025-11-25";
  readonly heard: Heard[];
  /** Starts hearing `uris` (and the principal's resource list changes). */
  watch(uris: string[]): Promise<void>;
  /** When `what` was first heard at or after `since`, waiting up to `timeoutMs`; undefined if never. */
  heardAfter(what: string, since: number, timeoutMs: number): Promise<number | undefined>;
  close(): Promise<void>;
}

abstract class Recorder {
  readonly heard: Heard[] = [];

  protected record(what: string): void {
    this.heard.push({ what, at: performance.now() });
  }

  async heardAfter(what: string, since: number, timeoutMs: number): Promise<number | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const hit = this.heard.find((entry) => entry.what === what && entry.at >= since);
      if (hit) return hit.at;
      if (performance.now() > deadline) return undefined;
      await Bun.sleep(5);
    }
  }
}

/** 2026-07-28: each watch() opens one more listen stream with that filter. */
export class ModernListener extends Recorder implements LiveListener {
  readonly era = "2026-07-28" as const;
  private constructor(private readonly client: ModernClient) {
    super();
    client.setNotificationHandler("notifications/resources/updated", (note) => this.record(note.params.uri));
    client.setNotificationHandler("notifications/resources/list_changed", () => this.record("list_changed"));
  }

  static async connect(url: string, headers: Record<string, string>): Promise<ModernListener> {
    return new ModernListener(await connectModernClient(url, "pin-2026-07-28", headers));
  }

  async watch(uris: string[]): Promise<void> {
    await this.client.listen({ resourceSubscriptions: uris, resourcesListChanged: true });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** 2025-11-25: one session; its GET stream carries the notifications of what it subscribed to. */
export class LegacyListener extends Recorder implements LiveListener {
  readonly era = "2025-11-25" as const;
  private constructor(private readonly connected: ConnectedClient) {
    super();
    connected.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (note) =>
      this.record(note.params.uri),
    );
    connected.client.setNotificationHandler(ResourceListChangedNotificationSchema, () =>
      this.record("list_changed"),
    );
  }

  static async connect(url: string, headers: Record<string, string>): Promise<LegacyListener> {
    return new LegacyListener(await connectClient(url, headers));
  }

  /**
   * A session whose POSTs (initialize, subscribe) go to `postUrl` while its GET stream is held by
   * `getUrl`: two instances, as a load balancer may split them.
   */
  static async split(
    getUrl: string,
    postUrl: string,
    headers: Record<string, string>,
  ): Promise<LegacyListener> {
    const route: typeof fetch = Object.assign(
      (input: string | URL | Request, init?: RequestInit) =>
        fetch(init?.method === "POST" ? postUrl : input, init),
      { preconnect: fetch.preconnect },
    );
    const transport = new StreamableHTTPClientTransport(new URL(getUrl), {
      requestInit: { headers },
      fetch: route,
    });
    const client = new Client({ name: "retail-mcp-tests", version: "1.0.0" });
    await client.connect(transport);
    return new LegacyListener({ client, transport, close: () => client.close() });
  }

  async watch(uris: string[]): Promise<void> {
    for (const uri of uris) await this.connected.client.subscribeResource({ uri });
  }

  close(): Promise<void> {
    return this.connected.close();
  }
}
