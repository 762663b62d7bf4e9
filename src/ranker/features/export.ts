import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { seededRandom } from "../../factors/random";
import { formatCsvValue } from "../endpoint-csv";
import {
  computeItemFeatures,
  computeUserFeatures,
  groupBy,
  interactionFeatures,
  userContext,
  type FeatureEvent,
} from "./compute";
import { buildFeatureRows, type PairFeatures } from "./rows";
import type { FeatureSpec } from "./spec";

/** Event types that make a (user, item) pair a positive example: "will this user buy this product?" */
export const POSITIVE_TYPES: ReadonlySet<string> = new Set(["PURCHASE", "ADD_TO_CART"]);

export interface ExportOptions {
  /** Negatives sampled per positive, by item popularity, among items the user did not buy or cart. */
  negativesPerPositive: number;
  /** Share of users whose examples go to validation (split per user: no user is in both sets). */
  validationShare: number;
  seed: number;
  now: number;
}

export interface TrainingSet {
  /** CSV lines of SageMaker's built-in XGBoost: label first, then features in spec order, no header. */
  train: string[];
  validation: string[];
  positives: number;
  negatives: number;
}

/** Negatives per user are drawn with retries; a user who has engaged with nearly everything gets fewer. */
const DRAWS_PER_NEGATIVE = 10;

/**
 * Builds the training examples from the events with the same feature functions and row builder as
 * serving. The pair features of a positive leave out its own label events (the model must not learn
 * "bought it" from "bought it"); views of the item stay, as they would at serving time.
 */
export function buildTrainingSet(
  events: readonly FeatureEvent[],
  categoryOf: ReadonlyMap<string, string>,
  spec: FeatureSpec,
  options: ExportOptions,
): TrainingSet {
  const users = computeUserFeatures(events, categoryOf, options.now);
  const items = computeItemFeatures(events, categoryOf, spec, options.now);
  const sampler = popularitySampler(items);
  const random = seededRandom(options.seed);
  const byUser = groupBy(events, (e) => e.userId);

  const set: TrainingSet = { train: [], validation: [], positives: 0, negatives: 0 };
  for (const userId of [...byUser.keys()].sort()) {
    const own = byUser.get(userId)!;
    const weights = new Map<string, number>();
    const withheld = new Map<string, number>();
    for (const e of own) {
      weights.set(e.itemId, (weights.get(e.itemId) ?? 0) + e.weight);
      if (POSITIVE_TYPES.has(e.type)) withheld.set(e.itemId, (withheld.get(e.itemId) ?? 0) + e.weight);
    }
    const context = userContext(weights, (id) => categoryOf.get(id));
    const examples: Array<{ label: number } & PairFeatures> = [];
    const example = (label: number, itemId: string, withheldWeight: number): void => {
      const category = categoryOf.get(itemId);
      const pair = interactionFeatures(context, itemId, category, withheldWeight);
      examples.push({ label, user: users.get(userId), item: items.get(itemId), pair });
    };
    for (const [itemId, weight] of [...withheld].sort(([a], [b]) => a.localeCompare(b)))
      example(1, itemId, weight);
    const taken = new Set(withheld.keys());
    const wanted = withheld.size * options.negativesPerPositive;
    for (let draw = 0, got = 0; got < wanted && draw < wanted * DRAWS_PER_NEGATIVE; draw++) {
      const itemId = sampler(random());
      if (itemId === undefined || taken.has(itemId)) continue;
      taken.add(itemId);
      example(0, itemId, 0);
      got++;
    }
    set.positives += withheld.size;
    set.negatives += examples.length - withheld.size;
    const lines = csvLines(spec, examples);
    (random() < options.validationShare ? set.validation : set.train).push(...lines);
  }
  return set;
}

function csvLines(spec: FeatureSpec, examples: ReadonlyArray<{ label: number } & PairFeatures>): string[] {
  const rows = buildFeatureRows(spec, examples);
  return examples.map((e, r) => {
    const cells = [String(e.label)];
    for (let f = 0; f < rows.featureCount; f++)
      cells.push(formatCsvValue(rows.values[r * rows.featureCount + f]!));
    return cells.join(",");
  });
}

/** Draws an item with probability proportional to its distinct users + 1 (cold items can be negatives too). */
function popularitySampler(
  items: ReadonlyMap<string, { i_distinct_users?: number }>,
): (u: number) => string | undefined {
  const ids = [...items.keys()].sort();
  const cumulative: number[] = [];
  let sum = 0;
  for (const id of ids) cumulative.push((sum += (items.get(id)!.i_distinct_users ?? 0) + 1));
  return (u) => {
    const target = u * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return ids[lo];
  };
}

export interface ExportFiles {
  train: string;
  validation: string;
  spec: string;
}

/** DIR/train/train.csv, DIR/validation/validation.csv (the S3 channel layout) and DIR/feature-spec.json. */
export async function writeTrainingSet(
  dir: string,
  set: TrainingSet,
  spec: FeatureSpec,
): Promise<ExportFiles> {
  const files = {
    train: path.join(dir, "train", "train.csv"),
    validation: path.join(dir, "validation", "validation.csv"),
    spec: path.join(dir, "feature-spec.json"),
  };
  await mkdir(path.dirname(files.train), { recursive: true });
  await mkdir(path.dirname(files.validation), { recursive: true });
  await writeFile(files.train, set.train.map((l) => `${l}\n`).join(""));
  await writeFile(files.validation, set.validation.map((l) => `${l}\n`).join(""));
  await writeFile(files.spec, `${JSON.stringify(spec, null, 2)}\n`);
  return files;
}
