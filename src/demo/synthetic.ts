import type { EventType } from "../domain/vocabulary";
import { seededRandom } from "../factors/random";
import type { CatalogItem } from "../store/items.store";

const CATEGORIES: Record<string, string[]> = {
  books: ["Novel", "Cookbook", "Biography", "Atlas", "Poetry Collection"],
  electronics: ["Headphones", "Charger", "Smart Speaker", "E-Reader", "Webcam"],
  kitchen: ["Chef's Knife", "Dutch Oven", "Espresso Cup", "Cutting Board", "Kettle"],
  outdoor: ["Tent", "Hiking Boots", "Water Bottle", "Headlamp", "Rain Jacket"],
  toys: ["Puzzle", "Building Set", "Board Game", "Plush Fox", "Kite"],
  beauty: ["Face Cream", "Shampoo", "Perfume", "Lip Balm", "Hair Brush"],
  sports: ["Yoga Mat", "Running Shoes", "Dumbbells", "Tennis Racket", "Jump Rope"],
  garden: ["Pruning Shears", "Seed Kit", "Watering Can", "Planter", "Garden Gloves"],
  music: ["Vinyl Record", "Guitar Strings", "Metronome", "Ukulele", "Microphone"],
  office: ["Notebook", "Desk Lamp", "Fountain Pen", "Monitor Stand", "Stapler"],
};
const STYLES = ["Classic", "Eco", "Pro", "Mini", "Deluxe", "Urban", "Vintage", "Smart"];

export interface SyntheticEvent {
  userId: string;
  itemId: string;
  type: EventType;
  timestamp: number;
}

export interface SyntheticData {
  items: CatalogItem[];
  events: SyntheticEvent[];
}

export interface SyntheticOptions {
  users: number;
  items: number;
  seed: number;
  /** events end at this time and span `days` before it */
  now?: number;
  days?: number;
}

/**
 * Users with tastes over one or two categories and a preferred style;
 * item popularity follows a Zipf law; 70% views, 20% add-to-cart, 10% purchases over the last `days`.
 * Enough latent structure for a factor model to beat popularity (NDCG@10 0.15 against 0.12 at 500 x 1,000).
 */
export function generateDemoData(options: SyntheticOptions): SyntheticData {
  // Seedable, so the same seed gives the same demo data everywhere (tests rely on it).
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const categories = Object.keys(CATEGORIES);
  const now = options.now ?? Date.now();
  const span = (options.days ?? 60) * 86_400_000;

  const items: CatalogItem[] = [];
  const byCategory = new Map<string, CatalogItem[]>();
  const byCategoryStyle = new Map<string, CatalogItem[]>();
  for (let i = 0; i < options.items; i++) {
    const category = categories[i % categories.length]!;
    const style = pick(STYLES);
    const item: CatalogItem = {
      itemId: `item-${String(i + 1).padStart(4, "0")}`,
      title: `${style} ${pick(CATEGORIES[category]!)}`,
      category,
      price: Math.round((5 + random() * 195) * 100) / 100,
    };
    items.push(item);
    const key = `${category}/${style}`;
    byCategoryStyle.set(key, [...(byCategoryStyle.get(key) ?? []), item]);
    byCategory.set(category, [...(byCategory.get(category) ?? []), item]);
  }

  const events: SyntheticEvent[] = [];
  for (let u = 0; u < options.users; u++) {
    const userId = `user-${String(u + 1).padStart(4, "0")}`;
    const tastes = Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(categories));
    const style = pick(STYLES);
    const count = 8 + Math.floor(random() ** 2 * 52);
    for (let e = 0; e < count; e++) {
      // 55% the preferred style in a favourite category, 30% anything in a favourite category,
      // 15% exploration of the whole catalog.
      const r = random();
      const category = pick(tastes);
      const pool =
        r < 0.55 ? byCategoryStyle.get(`${category}/${style}`) : r < 0.85 ? byCategory.get(category) : items;
      const candidates = pool && pool.length ? pool : items;
      const item = candidates[zipfIndex(candidates.length, random)]!;
      const t = random();
      const type: EventType = t < 0.7 ? "VIEW" : t < 0.9 ? "ADD_TO_CART" : "PURCHASE";
      events.push({ userId, itemId: item.itemId, type, timestamp: Math.floor(now - random() * span) });
    }
  }
  return { items, events };
}

/** Index in 0..n-1 with probability proportional to 1/(rank+1): a few items get most traffic. */
function zipfIndex(n: number, random: () => number): number {
  const harmonic = Math.log(n) + 0.5772;
  const target = random() * harmonic;
  return Math.min(n - 1, Math.max(0, Math.floor(Math.exp(target - 0.5772)) - 1));
}
