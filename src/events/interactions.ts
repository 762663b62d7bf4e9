import type { Interaction } from "../nmf/types";

export type { Interaction };

/** Sums event weights per user-item pair, keeping the latest timestamp. */
export function aggregateInteractions(
  events: Iterable<{ userId: string; itemId: string; weight: number; timestamp: number }>,
): Interaction[] {
  const pairs = new Map<string, Interaction>();
  for (const e of events) {
    const key = `${e.userId}\u0000${e.itemId}`;
    const current = pairs.get(key);
    if (current) {
      current.weight += e.weight;
      current.timestamp = Math.max(current.timestamp ?? 0, e.timestamp);
    } else pairs.set(key, { userId: e.userId, itemId: e.itemId, weight: e.weight, timestamp: e.timestamp });
  }
  return [...pairs.values()].filter((i) => i.weight > 0);
}
