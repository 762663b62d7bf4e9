import { writeFile } from "node:fs/promises";
import { loadConfig } from "../config";
import { readEventsCsv } from "../events/csv";
import {
  evaluateRankerAt,
  modelRanker,
  popularityRanker,
  splitPerUser,
  type ListScores,
  type Ranker,
  type Split,
} from "../factors/evaluate";
import { InputError } from "../domain/errors";
import { InteractionLog } from "../factors/sparse";
import { configuredParams, describeSettings } from "../jobs/train";
import { FAMILIES } from "../families";
import { UsageError, intFlag, intListFlag, numberFlag, type Run } from "./args";
import { RowReport } from "./csv-report";
import {
  compareWithBest,
  evaluationHtml,
  evaluationTable,
  type Evaluation,
  type StrategyEvaluation,
} from "./evaluation-report";

/** Reads an events CSV into `log`; ids are the file's own (evaluation never touches the stores). */
async function readInto(file: string, log: InteractionLog): Promise<InteractionLog> {
  const report = new RowReport(file);
  for await (const page of readEventsCsv(file, loadConfig().events, { onRowError: report.onRowError }))
    for (const e of page) log.add(e.userId, e.itemId, e.weight);
  if (report.skipped) console.error(`${file}: ${report.summary()}`);
  return log;
}

async function readSplit(values: Record<string, unknown>, seed: number): Promise<Split> {
  if (values.events) {
    if (values.train || values.test) throw new UsageError("use --events, or --train with --test, not both");
    const fraction = numberFlag(values, "split", 0.05, 0.95)!;
    const log = await readInto(String(values.events), new InteractionLog());
    return splitPerUser(log.toMatrix(), fraction, seed);
  }
  if (values.train && values.test) {
    const train = await readInto(String(values.train), new InteractionLog());
    // The test file's users and items join the train file's ids, so both matrices line up.
    const test = await readInto(String(values.test), new InteractionLog(train.users, train.items));
    return { train: train.toMatrix(), test: test.toMatrix() };
  }
  throw new UsageError("give --events FILE, or --train FILE and --test FILE");
}

export const run: Run = async (values) => {
  const ks = intListFlag(values, "k", 1, 1000);
  const seed = intFlag(values, "seed", 0, 2 ** 31)!;
  const maxUsers = intFlag(values, "users", 1, 100_000_000);
  const split = await readSplit(values, seed);
  const config = loadConfig();
  /** Each strategy's NDCG per k and user, for the paired comparisons. */
  const perUserNdcg = new Map<string, number[][]>();
  const evaluate = (name: string, ranker: Ranker) => {
    const perUser = ks.map((): number[] => []);
    perUserNdcg.set(name, perUser);
    const onUser = (_user: number, scores: ListScores[]) =>
      scores.forEach((s, at) => perUser[at]!.push(s.ndcg));
    return evaluateRankerAt(split, ranker, ks, { maxUsers, seed, onUser });
  };

  // Every in-process strategy with the configured settings (the environment's, else the defaults).
  const strategies: StrategyEvaluation[] = [
    { name: "POPULAR", metrics: evaluate("POPULAR", popularityRanker(split.train)) },
  ];
  for (const family of Object.values(FAMILIES)) {
    const seeded = family.paramNames.includes("seed");
    const params = { ...configuredParams(config, family), ...(seeded ? { seed } : {}) };
    const started = Date.now();
    let model;
    try {
      model = family.train(split.train, params as never, { threads: config.model.threads });
    } catch (error) {
      // EASE refuses data beyond its size: the other strategies are still worth comparing.
      if (!(error instanceof InputError)) throw error;
      console.error(`${family.name} left out: ${error.message}`);
      continue;
    }
    const trainingSeconds = (Date.now() - started) / 1000;
    const metrics = evaluate(family.name, modelRanker(model, split.train));
    strategies.push({ name: family.name, params, trainingSeconds, metrics });
  }
  const evaluation: Evaluation = {
    train: split.train.values.length,
    test: split.test.values.length,
    users: strategies[0]!.metrics[0]!.users,
    ks,
    strategies,
    comparisons: compareWithBest(
      ks,
      strategies.map((s) => ({ ...s, perUserNdcg: perUserNdcg.get(s.name)! })),
    ),
  };
  if (values.html) await writeFile(String(values.html), evaluationHtml(evaluation));
  if (values.json) {
    console.log(JSON.stringify(evaluation));
    return 0;
  }
  console.log(
    `train ${evaluation.train} interactions, test ${evaluation.test}; ${evaluation.users} users evaluated`,
  );
  for (const s of strategies.filter((s) => s.params)) {
    console.log(`${s.name}: ${describeSettings(s.params!)}; trained in ${s.trainingSeconds!.toFixed(2)} s`);
  }
  console.log(`\n${evaluationTable(evaluation)}`);
  if (values.html) console.log(`report: ${String(values.html)}`);
  return 0;
};
