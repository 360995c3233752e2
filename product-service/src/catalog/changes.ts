/**
 * What a catalogue change announces to live listeners (MCP resource subscriptions), to everybody (the
 * catalogue is public to its readers): `product://{id}` when its stock or price changed, and
 * `catalog://categories` when the category list (or its product counts) changed. Published inside the
 * write that makes the change, so a rolled-back change announces nothing.
 */
import type { ChangeEvent, ChangePublisher } from "service-kit";

export type { ChangePublisher };

export const CATEGORIES_URI = "catalog://categories";

export function productsChanged(ids: Iterable<string>): ChangeEvent[] {
  return [...new Set(ids)].map((id) => ({ kind: "resource_updated", uri: `product://${id}` }));
}

export function categoriesChanged(): ChangeEvent[] {
  return [{ kind: "resource_updated", uri: CATEGORIES_URI }];
}
