/**
 * 2026-07-28 `subscriptions/listen` streams fed by the change bus (events/), so a listener on this
 * instance hears changes made on any instance. The SDK's `createMcpHandler` owns the wire (the
 * acknowledgement, per-stream filtering, subscription ids, keep-alives, teardown); the kit adds what the
 * SDK's `ServerEventBus` cannot know, since its events carry no caller:
 * - a stream hears only its own principal's events (and everybody's, such as the catalogue's);
 * - streams are capped per principal and per instance, refused past either cap with a clear error;
 * - a stream opened while the bus is down (PostgreSQL restart) is refused, saying so.
 * Each listen request runs inside an AsyncLocalStorage holding its caller and filter: the SDK subscribes
 * to the bus synchronously while it answers the request, which is how a subscription learns whose it is.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type AuthInfo,
  createMcpHandler,
  type McpHttpHandler,
  type McpServer,
  type ServerEvent,
  type ServerEventBus,
} from "@modelcontextprotocol/server";
import type { ChangeBus } from "../../events/change-bus.ts";
import { type ChangeEvent, concerns } from "../../events/change-event.ts";
import type { Logger } from "../../log.ts";

export interface ListenLegOptions {
  bus: ChangeBus;
  log: Logger;
  keepAliveMs: number;
  /** Open listen streams one principal may hold on this instance. */
  maxPerPrincipal: number;
  /** Open listen streams on this instance, all callers together. */
  maxPerInstance: number;
  /** Called for each notification written to a stream (metrics). */
  onSent?: () => void;
}

/** The part of a listen request's filter the bus's events are matched against. */
interface Filter {
  resourcesListChanged: boolean;
  resourceSubscriptions: ReadonlySet<string>;
}

interface ListenContext {
  principal: string;
  filter: Filter;
  subscribed: boolean;
}

export const LISTEN_BUS_DOWN =
  "Live updates are unavailable right now: this instance lost its connection to the database's change " +
  "feed (restart or failover) and is reconnecting. Retry subscriptions/listen in a few seconds.";

export const DEFAULT_LISTEN_MAX_PER_PRINCIPAL = 8;

/** LISTEN_MAX_PER_PRINCIPAL, or its default: 8 with auth; none beyond the instance's with AUTH_MODE=none. */
export function listenCapPerPrincipal(
  config: { LISTEN_MAX_PER_PRINCIPAL?: number | undefined; LISTEN_MAX_PER_INSTANCE: number },
  authMode: string,
): number {
  if (config.LISTEN_MAX_PER_PRINCIPAL !== undefined) return config.LISTEN_MAX_PER_PRINCIPAL;
  // Without auth every caller is the one "local" principal: a per-principal cap would be a global one.
  return authMode === "none" ? config.LISTEN_MAX_PER_INSTANCE : DEFAULT_LISTEN_MAX_PER_PRINCIPAL;
}

export const LISTEN_SHUTTING_DOWN =
  "This instance is shutting down. Retry subscriptions/listen: another instance will answer it.";

function filterOf(body: unknown): Filter {
  const notifications = (body as { params?: { notifications?: Record<string, unknown> } } | null)?.params
    ?.notifications;
  const uris = notifications?.resourceSubscriptions;
  return {
    resourcesListChanged: notifications?.resourcesListChanged === true,
    resourceSubscriptions: new Set(Array.isArray(uris) ? uris.filter((uri) => typeof uri === "string") : []),
  };
}

function accepts(filter: Filter, event: ChangeEvent): boolean {
  return event.kind === "resources_list_changed"
    ? filter.resourcesListChanged
    : filter.resourceSubscriptions.has(event.uri);
}

function toServerEvent(event: ChangeEvent): ServerEvent {
  return event.kind === "resources_list_changed"
    ? { kind: "resources_list_changed" }
    : { kind: "resource_updated", uri: event.uri };
}

export class ListenLeg {
  private readonly context = new AsyncLocalStorage<ListenContext>();
  private readonly servers = new WeakMap<AuthInfo, McpServer>();
  private readonly perPrincipal = new Map<string, number>();
  private total = 0;
  private closing = false;
  private readonly handler: McpHttpHandler;

  constructor(private readonly options: ListenLegOptions) {
    const bus: ServerEventBus = {
      publish: () => {
        throw new Error(
          "publish change events with ChangePublisher.publish inside a write, not on the SDK bus",
        );
      },
      subscribe: (listener) => this.subscribe(listener),
    };
    this.handler = createMcpHandler(
      (ctx) => {
        const server = ctx.authInfo ? this.servers.get(ctx.authInfo) : undefined;
        if (!server) throw new Error("subscriptions/listen reached the SDK without a server for its caller");
        return server;
      },
      {
        legacy: "reject",
        bus,
        // The kit counts first (see handle); the SDK's own cap is only a backstop.
        maxSubscriptions: options.maxPerInstance,
        keepAliveMs: options.keepAliveMs,
        onerror: (error) => options.log.debug("subscriptions/listen refused", { error: String(error) }),
      },
    );
  }

  /** Open listen streams on this instance. */
  get openCount(): number {
    return this.total;
  }

  /** Answers one modern `subscriptions/listen` request of `principal` on `server`. */
  async handle(
    request: Request,
    body: unknown,
    server: McpServer,
    authInfo: AuthInfo,
    principal: string,
  ): Promise<Response> {
    const id = (body as { id?: string | number } | null)?.id ?? null;
    const { maxPerPrincipal, maxPerInstance } = this.options;
    if (this.closing) return refusal(id, LISTEN_SHUTTING_DOWN);
    if (this.options.bus.state === "down") return refusal(id, LISTEN_BUS_DOWN);
    const held = this.perPrincipal.get(principal) ?? 0;
    if (held >= maxPerPrincipal) {
      return refusal(
        id,
        `Too many live-update streams: your credentials already hold ${held} open subscriptions/listen ` +
          `streams on this instance (the limit is ${maxPerPrincipal}). Close one you no longer need, or ` +
          "put more URIs into one stream's resourceSubscriptions, then retry.",
      );
    }
    if (this.total >= maxPerInstance) {
      return refusal(
        id,
        `This instance holds as many live-update streams as it may (${maxPerInstance}). Retry in a few ` +
          "seconds; the load balancer may send the retry to another instance.",
      );
    }
    // The slot is taken before the first await, so concurrent requests cannot overshoot a cap.
    const release = this.take(principal);
    const context: ListenContext = { principal, filter: filterOf(body), subscribed: false };
    this.servers.set(authInfo, server);
    try {
      return await this.context.run(context, () =>
        this.handler.fetch(request, { authInfo, parsedBody: body }),
      );
    } finally {
      // No stream came of it (invalid filter, nothing honored): the slot goes back at once.
      if (!context.subscribed) release();
    }
  }

  /**
   * Ends every open stream gracefully and refuses new ones (shutdown, before the drain: a stream is a
   * channel, not a request still running); clients see a completed listen and re-listen elsewhere.
   */
  close(): Promise<void> {
    this.closing = true;
    return this.handler.close();
  }

  private subscribe(listener: (event: ServerEvent) => void): () => void {
    const context = this.context.getStore();
    if (!context) throw new Error("the SDK subscribed to the change bus outside a listen request");
    context.subscribed = true;
    const release = this.heldSlot(context.principal);
    const off = this.options.bus.subscribe((event) => {
      if (!concerns(event, context.principal) || !accepts(context.filter, event)) return;
      listener(toServerEvent(event));
      this.options.onSent?.();
    });
    return () => {
      off();
      release();
    };
  }

  private take(principal: string): () => void {
    this.perPrincipal.set(principal, (this.perPrincipal.get(principal) ?? 0) + 1);
    this.total++;
    return this.heldSlot(principal);
  }

  /** The release of a slot `take` counted; idempotent. Handed over to the stream once it subscribes. */
  private heldSlot(principal: string): () => void {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.total--;
      const left = (this.perPrincipal.get(principal) ?? 1) - 1;
      if (left <= 0) this.perPrincipal.delete(principal);
      else this.perPrincipal.set(principal, left);
    };
  }
}

function refusal(id: string | number | null, message: string): Response {
  // In-band like the SDK's own "Subscription limit reached": HTTP 200, a JSON-RPC error for the request.
  return Response.json({ jsonrpc: "2.0", id, error: { code: -32603, message } }, { status: 200 });
}
