import { describe, expect, it } from "vitest";
import {
  computeItemFeatures,
  computeUserFeatures,
  interactionFeatures,
  userContext,
  type FeatureEvent,
} from "../../../src/ranker/features/compute";
import { buildTrainingSet } from "../../../src/ranker/features/export";
import { buildFeatureRows } from "../../../src/ranker/features/rows";
import { buildFeatureSpec, categoryCode, type FeatureSpec } from "../../../src/ranker/features/spec";

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 31, 12);
const WEIGHT = { VIEW: 1, ADD_TO_CART: 3, PURCHASE: 5, RATING: 1 } as const;

function event(userId: string, itemId: string, type: FeatureEvent["type"], daysAgo: number): FeatureEvent {
  return { userId, itemId, type, weight: WEIGHT[type], timestamp: NOW - daysAgo * DAY };
}

const categories = new Map([
  ["a", "books"],
  ["b", "books"],
  ["c", "toys"],
  ["d", "garden"],
]);

/** alice: views a, buys a twice (on two days), buys b, carts c; bob: views a and c, buys c. */
const events: FeatureEvent[] = [
  event("alice", "a", "VIEW", 10),
  event("alice", "a", "PURCHASE", 10),
  event("alice", "a", "PURCHASE", 3),
  event("alice", "b", "PURCHASE", 3),
  event("alice", "c", "ADD_TO_CART", 2),
  event("bob", "a", "VIEW", 1),
  event("bob", "c", "VIEW", 9),
  event("bob", "c", "PURCHASE", 9),
];

describe("user features", () => {
  it("counts by type, purchase frequency, breadth, reorder rate and recency", () => {
    const users = computeUserFeatures(events, categories, NOW);
    expect(users.get("alice")).toEqual({
      u_views: 1,
      u_add_to_carts: 1,
      u_purchases: 3,
      u_ratings: 0,
      u_weighted_events: 1 + 5 + 5 + 5 + 3,
      u_active_days: 3,
      u_purchases_per_active_day: 1,
      u_distinct_items: 3,
      u_distinct_categories: 2,
      u_reorder_rate: 0.5, // a bought twice, b once
      u_days_since_last_event: 2,
    });
    expect(users.get("bob")).toMatchObject({ u_purchases: 1, u_reorder_rate: 0, u_days_since_last_event: 1 });
  });

  it("leaves the reorder rate missing for a user who never bought", () => {
    const users = computeUserFeatures([event("carol", "a", "VIEW", 1)], categories, NOW);
    expect(users.get("carol")!.u_reorder_rate).toBeUndefined();
  });
});

describe("item features", () => {
  const spec = buildFeatureSpec(categories.values(), undefined, NOW);
  const items = computeItemFeatures(events, categories, spec, NOW);

  it("computes popularity, conversion, reorders, the 7-day trend and the category code", () => {
    expect(items.get("a")).toEqual({
      i_distinct_users: 2,
      i_weighted_events: 1 + 5 + 5 + 1,
      i_purchases: 2,
      i_conversion: 1, // 2 purchases / 2 views
      i_reorder_rate: 1, // its one buyer bought it twice
      i_events_last_7d: 5 + 1,
      i_trend_7d: (6 + 1) / (6 + 1), // 6 in the last 7 days, 6 (view + purchase on day 10) before
      i_category: categoryCode(spec, "books"),
    });
    expect(items.get("c")).toMatchObject({ i_conversion: 1, i_events_last_7d: 3, i_trend_7d: 4 / 7 });
  });

  it("includes catalog items without events, with missing ratios", () => {
    expect(items.get("d")).toEqual({
      i_distinct_users: 0,
      i_weighted_events: 0,
      i_purchases: 0,
      i_conversion: undefined,
      i_reorder_rate: undefined,
      i_events_last_7d: 0,
      i_trend_7d: 1,
      i_category: spec.categories.indexOf("garden"),
    });
  });
});

describe("feature spec", () => {
  it("encodes categories by a stable index: a new run keeps old codes and appends new categories", () => {
    const first = buildFeatureSpec(["toys", "books"], undefined, 1);
    expect(first.categories).toEqual(["books", "toys"]);
    const second = buildFeatureSpec(["toys", "books", "art"], first, 2);
    expect(second.categories).toEqual(["books", "toys", "art"]);
    expect(categoryCode(second, "toys")).toBe(1);
    expect(categoryCode(second, "unknown")).toBeUndefined();
    expect(second.version).not.toBe(first.version);
    expect(buildFeatureSpec(["books", "toys"], first, 3).version).toBe(first.version);
  });
});

describe("rows", () => {
  const spec: Pick<FeatureSpec, "features"> = { features: ["u_views", "i_purchases", "ui_item_weight"] };

  it("puts values in spec order whatever the order of the records, NaN where missing", () => {
    const rows = buildFeatureRows(spec, [
      { pair: { ui_item_weight: 3 }, item: { i_purchases: 2, unrelated: 9 }, user: { u_views: 1 } },
      { pair: { ui_item_weight: 0 } },
      { user: { u_views: 4 }, item: { i_purchases: undefined }, pair: {} },
    ]);
    expect(rows.featureCount).toBe(3);
    expect(Array.from(rows.values)).toEqual([1, 2, 3, NaN, NaN, 0, 4, NaN, NaN]);
  });
});

describe("interaction features", () => {
  it("reads the user's weight on the item and its category, and can withhold an example's label events", () => {
    const context = userContext(
      new Map([
        ["a", 11],
        ["b", 5],
        ["c", 3],
      ]),
      (id) => categories.get(id),
    );
    expect(interactionFeatures(context, "b", "books")).toEqual({
      ui_item_weight: 5,
      ui_category_weight: 16,
      ui_category_share: 16 / 19,
    });
    expect(interactionFeatures(context, "b", "books", 5)).toEqual({
      ui_item_weight: 0,
      ui_category_weight: 11,
      ui_category_share: 11 / 14,
    });
    expect(interactionFeatures(context, "x", undefined)).toEqual({
      ui_item_weight: 0,
      ui_category_weight: undefined,
      ui_category_share: undefined,
    });
  });
});

describe("training export", () => {
  const spec = buildFeatureSpec(categories.values(), undefined, NOW);
  const options = { negativesPerPositive: 1, validationShare: 0, seed: 7, now: NOW };

  it("writes label-first CSV rows in spec order, positives from purchases and carts, seeded negatives", () => {
    const set = buildTrainingSet(events, categories, spec, options);
    // alice: a, b (purchases), c (cart); bob: c. Negatives: one per positive where one is left to draw.
    expect(set.positives).toBe(4);
    expect(set.validation).toEqual([]);
    const rows = set.train.map((line) => line.split(","));
    expect(rows.every((cells) => cells.length === spec.features.length + 1)).toBe(true);
    expect(rows.filter((cells) => cells[0] === "1")).toHaveLength(4);
    expect(rows.filter((cells) => cells[0] === "0")).toHaveLength(set.negatives);
    expect(set.negatives).toBe(2); // alice has only d left; bob gets one of a, b, d
    expect(buildTrainingSet(events, categories, spec, options)).toEqual(set);

    // alice's positive on a: her view of a stays (1), the two purchases (10) are withheld.
    const column = (name: string) => spec.features.indexOf(name) + 1;
    const aliceA = rows.find((cells) => cells[0] === "1" && cells[column("i_purchases")] === "2")!;
    expect(aliceA[column("ui_item_weight")]).toBe("1");
    expect(aliceA[column("u_purchases")]).toBe("3");
    // A missing value is an empty cell: item d has no conversion.
    const aliceD = rows.find((cells) => cells[0] === "0" && cells[column("i_distinct_users")] === "0")!;
    expect(aliceD[column("i_conversion")]).toBe("");
  });

  it("splits per user: with everyone in validation, train is empty", () => {
    const set = buildTrainingSet(events, categories, spec, { ...options, validationShare: 1 });
    expect(set.train).toEqual([]);
    expect(set.validation).toHaveLength(set.positives + set.negatives);
  });
});
