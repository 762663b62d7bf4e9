import { loadConfig } from "../config";
import { parseEventsCsv } from "../events/csv";
import { aggregateInteractions, type Interaction } from "../events/interactions";
import { evaluateRanker, modelRanker, popularityRanker, splitPerUser } from "../nmf/evaluate";
import type { RankingMetrics } from "../nmf/model";
import { trainNmf } from "../nmf/train";
import { UsageError, intFlag, numberFlag } from "./args";
import type { Run } from "./commands";
import { readText } from "./common";

function interactionsFrom(file: string): Interaction[] {
  const { events, errors } = parseEventsCsv(readText(file), loadConfig().events);
  if (errors.length)
    console.error(`${file}: ${errors.length} invalid rows skipped (first at line ${errors[0]!.line})`);
  return aggregateInteractions(events);
}

const COLUMNS: Array<[keyof RankingMetrics, string]> = [
  ["precision", "precision@k"],
  ["recall", "recall@k"],
  ["ndcg", "ndcg@k"],
  ["map", "map@k"],
  ["coverage", "coverage"],
];

export const run: Run = async (values) => {
  const k = intFlag(values, "k", 1, 1000)!;
  const seed = intFlag(values, "seed", 0, 2 ** 31)!;
  let train: Interaction[];
  let test: Interaction[];
  if (values.events) {
    if (values.train || values.test) throw new UsageError("use --events, or --train with --test, not both");
    ({ train, test } = splitPerUser(
      interactionsFrom(String(values.events)),
      numberFlag(values, "split", 0.05, 0.95)!,
      seed,
    ));
  } else if (values.train && values.test) {
    train = interactionsFrom(String(values.train));
    test = interactionsFrom(String(values.test));
  } else throw new UsageError("give --events FILE, or --train FILE and --test FILE");

  const { model: params } = loadConfig();
  const started = Date.now();
  const model = trainNmf(train, { ...params, seed });
  const trainingSeconds = (Date.now() - started) / 1000;
  const nmf = evaluateRanker(train, test, modelRanker(model), k);
  const popularity = evaluateRanker(train, test, popularityRanker(train), k);

  if (values.json) {
    console.log(
      JSON.stringify({
        k,
        train: train.length,
        test: test.length,
        trainingSeconds,
        params,
        nmf,
        popularity,
      }),
    );
    return 0;
  }
  console.log(
    `train ${train.length} interactions, test ${test.length}; ${nmf.users} users evaluated; k=${k}`,
  );
  console.log(`NMF: ${params.components} factors, trained in ${trainingSeconds.toFixed(2)} s\n`);
  console.log("metric".padEnd(14) + "NMF".padStart(10) + "popularity".padStart(12));
  for (const [key, label] of COLUMNS) {
    console.log(
      label.padEnd(14) + nmf[key].toFixed(4).padStart(10) + popularity[key].toFixed(4).padStart(12),
    );
  }
  return 0;
};
