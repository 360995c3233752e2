/**
 * Resource subscriptions (`resources/subscribe`, `resources/unsubscribe`) for servers built by a service.
 * One registry per process: `attach` is called on each session's McpServer before it connects, and
 * `notifyUpdated(uri)` sends `notifications/resources/updated` to the sessions here that subscribed.
 * Subscriptions live in this process only; a session rebuilt on another instance subscribes again.
 */
import type { McpServer } from "@modelcontextprotocol/server";

export class ResourceSubscriptions {
  private readonly byServer = new Map<McpServer, Set<string>>();

  /** Declares the `resources.subscribe` capability and answers (un)subscribe for this server. */
  attach(server: McpServer): void {
    const uris = new Set<string>();
    server.server.registerCapabilities({ resources: { subscribe: true } });
    server.server.setRequestHandler("resources/subscribe", async (request) => {
      uris.add(request.params.uri);
      this.byServer.set(server, uris);
      return {};
    });
    server.server.setRequestHandler("resources/unsubscribe", async (request) => {
      uris.delete(request.params.uri);
      if (uris.size === 0) this.byServer.delete(server);
      return {};
    });
    // A closed session must not keep its server reachable from here.
    const previous = server.server.onclose;
    server.server.onclose = () => {
      this.byServer.delete(server);
      previous?.();
    };
  }

  /** Tells every subscribed session here that `uri` changed; returns how many were told. */
  async notifyUpdated(uri: string): Promise<number> {
    const targets = [...this.byServer].filter(([, uris]) => uris.has(uri)).map(([server]) => server);
    const sent = await Promise.allSettled(
      targets.map((server) => server.server.sendResourceUpdated({ uri })),
    );
    return sent.filter((result) => result.status === "fulfilled").length;
  }

  /** Sessions in this process with at least one subscription. */
  get subscriberCount(): number {
    return this.byServer.size;
  }
}
