import { seededRandom } from "../../../src/factors/random";
import type { Interaction } from "../../../src/factors/types";

export interface PlantedSpec {
  users: number;
  items: number;
  /** Mean distinct items per user (heavy-tailed around it, at least `minPerUser`). */
  perUser: number;
  minPerUser?: number;
  topics: number;
  seed: number;
  /** Share of a user's picks that ignore their topics (popularity only). */
  noise?: number;
  /** "events": view/add_to_cart/purchase weights 1/3/5; "ratings": 1..5. */
  weights?: "events" | "ratings";
}

/**
 * Interactions with a planted latent structure: every item belongs to one topic, every user likes
 * one to three topics, and item popularity is Zipf-like, so both a factor model and a popularity
 * baseline have something to find, and the factor model should find more.
 */
export function plantedInteractions(spec: PlantedSpec): Interaction[] {
  const random = seededRandom(spec.seed);
  const noise = spec.noise ?? 0.2;
  const itemTopic = Array.from({ length: spec.items }, () => Math.floor(random() * spec.topics));
  const popularity = Array.from({ length: spec.items }, (_, i) => 1 / (1 + i) ** 0.8);
  const byTopic = Array.from({ length: spec.topics }, () => [] as number[]);
  itemTopic.forEach((topic, item) => byTopic[topic]!.push(item));
  const topicSamplers = byTopic.map((items) => weightedSampler(items, popularity, random));
  const anySampler = weightedSampler([...popularity.keys()], popularity, random);

  const out: Interaction[] = [];
  for (let u = 0; u < spec.users; u++) {
    const liked = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
      Math.floor(random() * spec.topics),
    );
    const count = Math.min(
      spec.items,
      Math.max(spec.minPerUser ?? 2, Math.round(spec.perUser * -Math.log(1 - random() * 0.999))),
    );
    const chosen = new Set<number>();
    for (let attempt = 0; chosen.size < count && attempt < count * 20; attempt++) {
      const topic = liked[Math.floor(random() * liked.length)]!;
      chosen.add(random() < noise || byTopic[topic]!.length === 0 ? anySampler() : topicSamplers[topic]!());
    }
    for (const item of chosen) {
      out.push({ userId: `u${u}`, itemId: `i${item}`, weight: weightOf(spec.weights ?? "events", random) });
    }
  }
  return out;
}

/** Each item's planted topic as its category (the same first draws of the same seed). */
export function plantedCategories(spec: PlantedSpec): Map<string, string> {
  const random = seededRandom(spec.seed);
  return new Map(
    Array.from({ length: spec.items }, (_, i) => [`i${i}`, `c${Math.floor(random() * spec.topics)}`]),
  );
}

function weightOf(kind: "events" | "ratings", random: () => number): number {
  const r = random();
  // Shaped like public movie ratings: mostly 3s and 4s.
  if (kind === "ratings") return r < 0.06 ? 1 : r < 0.17 ? 2 : r < 0.44 ? 3 : r < 0.78 ? 4 : 5;
  return r < 0.7 ? 1 : r < 0.9 ? 3 : 5;
}

function weightedSampler(items: number[], weights: number[], random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (const item of items) cumulative.push((total += weights[item]!));
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

/** The planted data sets of the benchmarks (bench:nmf, bench:quality). */
export const BENCH_CASES: Array<{ name: string; spec: PlantedSpec }> = [
  {
    name: "ratings-shaped 943 x 1,682",
    spec: {
      users: 943,
      items: 1682,
      perUser: 106,
      minPerUser: 20,
      topics: 19,
      seed: 2,
      weights: "ratings",
      noise: 0.4,
    },
  },
  { name: "events 5,000 x 3,000", spec: { users: 5000, items: 3000, perUser: 20, topics: 30, seed: 3 } },
  {
    name: "events 6,000 x 4,000 (1M)",
    spec: { users: 6000, items: 4000, perUser: 170, minPerUser: 5, topics: 40, seed: 4 },
  },
];
