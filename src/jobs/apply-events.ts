import { randomUUID } from "node:crypto";
import type { App } from "../app";
import type { StoredEvent } from "../store/events.store";
import { addInteraction } from "../store/users.store";

export type BulkEvent = Omit<StoredEvent, "eventId">;

const USER_UPDATE_CONCURRENCY = 16;

/**
 * Bulk ingestion for seed and import: stores the events, then updates each user's state once
 * and each item's popularity counter once, instead of once per event as the live path does.
 */
export async function applyEvents(app: App, events: readonly BulkEvent[]): Promise<void> {
  const stored: StoredEvent[] = events.map((e) => ({
    eventId: randomUUID(),
    ...e,
    userId: app.pseudonymise(e.userId),
  }));
  await app.stores.events.putMany(stored);

  const byUser = new Map<string, StoredEvent[]>();
  for (const e of stored) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
  await forEachLimited([...byUser], USER_UPDATE_CONCURRENCY, ([userId, userEvents]) =>
    app.stores.users.update(userId, (state) => {
      for (const e of userEvents) addInteraction(state, e.itemId, e.weight, e.timestamp);
    }),
  );

  // Counters are added to (not replaced), so importing into a live table keeps earlier counts.
  const categories = await app.stores.items.categories();
  await app.stores.popularity.addMany(stored.map((e) => ({ ...e, category: categories.get(e.itemId) })));
  app.catalog.invalidate();
  app.popular.invalidate();
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(workers);
}
