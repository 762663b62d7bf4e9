import { loadConfig } from "../config";
import { readEventsCsv } from "../events/csv";
import { evaluateRanker, modelRanker, popularityRanker, splitPerUser, type Split } from "../nmf/evaluate";
import type { RankingMetrics } from "../nmf/model";
import { InteractionLog } from "../nmf/sparse";
import { trainNmf } from "../nmf/train";
import { UsageError, intFlag, numberFlag, type Run } from "./args";
import { RowReport } from "./csv-report";

/** Reads an events CSV into `log`; ids are the file's own (evaluation never touches the stores). */
async function readInto(file: string, log: InteractionLog): Promise<InteractionLog> {
  const report = new RowReport(file);
  for await (const page of readEventsCsv(file, loadConfig().events, { onRowError: report.onRowError }))
    for (const e of page) log.add(e.userId, e.itemId, e.weight);
  if (report.skipped) console.error(`${file}: ${report.summary()}`);
  return log;
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
  const maxUsers = intFlag(values, "users", 1, 100_000_000);
  let split: Split;
  if (values.events) {
    if (values.train || values.test) throw new UsageError("use --events, or --train with --test, not both");
    const fraction = numberFlag(values, "split", 0.05, 0.95)!;
    split = splitPerUser(
      (await readInto(String(values.events), new InteractionLog())).toMatrix(),
      fraction,
      seed,
    );
  } else if (values.train && values.test) {
    const train = await readInto(String(values.train), new InteractionLog());
    // The test file's users and items join the train file's ids, so both matrices line up.
    const test = await readInto(String(values.test), new InteractionLog(train.users, train.items));
    split = { train: train.toMatrix(), test: test.toMatrix() };
  } else throw new UsageError("give --events FILE, or --train FILE and --test FILE");

  const { model: params } = loadConfig();
  const started = Date.now();
  const model = trainNmf(split.train, { ...params, seed }, { threads: params.threads });
  const trainingSeconds = (Date.now() - started) / 1000;
  const options = { k, maxUsers, seed };
  const nmf = evaluateRanker(split, modelRanker(model), options);
  const popularity = evaluateRanker(split, popularityRanker(split.train), options);
  const train = split.train.values.length;
  const test = split.test.values.length;

  if (values.json) {
    console.log(
      JSON.stringify({
        k,
        train,
        test,
        trainingSeconds,
        params,
        nmf,
        popularity,
      }),
    );
    return 0;
  }
  console.log(`train ${train} interactions, test ${test}; ${nmf.users} users evaluated; k=${k}`);
  console.log(`NMF: ${params.components} factors, trained in ${trainingSeconds.toFixed(2)} s\n`);
  console.log("metric".padEnd(14) + "NMF".padStart(10) + "popularity".padStart(12));
  for (const [key, label] of COLUMNS) {
    console.log(
      label.padEnd(14) + nmf[key].toFixed(4).padStart(10) + popularity[key].toFixed(4).padStart(12),
    );
  }
  return 0;
};
