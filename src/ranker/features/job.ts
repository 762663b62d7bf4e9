import type { FeatureEvent } from "./compute";
import { computeItemFeatures, computeUserFeatures } from "./compute";
import { statsKeys } from "../../store/keys";
import type { FeatureStore } from "./feature.store";
import { buildFeatureSpec, type FeatureSpec } from "./spec";

export interface FeatureJobSources {
  events: { all(): Promise<FeatureEvent[]> };
  items: { categories(): Promise<Map<string, string>> };
  features: FeatureStore;
}

export interface FeatureJobReport {
  spec: FeatureSpec;
  users: number;
  items: number;
  events: number;
}

/**
 * `recs features`: user and item features from the events table and the catalog, written to the
 * stats table, then the spec. The spec goes last so a server never reads a spec whose features
 * are not there yet.
 */
export async function runFeatureJob(
  sources: FeatureJobSources,
  now: number = Date.now(),
): Promise<FeatureJobReport> {
  const [events, categories, previous] = await Promise.all([
    sources.events.all(),
    sources.items.categories(),
    sources.features.getSpec(),
  ]);
  const spec = buildFeatureSpec(categories.values(), previous, now);
  const users = computeUserFeatures(events, categories, now);
  const items = computeItemFeatures(events, categories, spec, now);
  await sources.features.putMany(
    [
      ...[...users].map(([id, f]) => [statsKeys.userFeatures(id), f] as const),
      ...[...items].map(([id, f]) => [statsKeys.itemFeatures(id), f] as const),
    ],
    spec.version,
  );
  await sources.features.putSpec(spec);
  return { spec, users: users.size, items: items.size, events: events.length };
}
