import type { Flags, Run } from "./args";

/**
 * What help shows of a command, and where its implementation is. Nothing here loads an implementation:
 * `load` is a dynamic import(), which esbuild turns into a module initialised on first use, so
 * `recs --help` never loads the AWS SDK, dynalite or the app.
 */
export interface Command {
  summary: string;
  flags: Flags;
  load(): Promise<{ run: Run }>;
  /**
   * A heap limit for commands whose data streams through: V8 otherwise grows its heap toward gigabytes
   * before collecting, and a long import would hold that much memory for garbage.
   */
  heapMb?: number;
}

/** A new command is one entry here and one module `<name>.command.ts` exporting `run`. */
export const commands: Record<string, Command> = {
  seed: {
    summary: "write a synthetic demo catalog and event stream, then train a model",
    flags: {
      users: { type: "string", defaultText: "SEED_USERS, else 500", help: "number of users" },
      items: { type: "string", defaultText: "SEED_ITEMS, else 1000", help: "number of items" },
      seed: { type: "string", defaultText: "SEED_RANDOM, else 42", help: "random seed" },
      "no-train": { type: "boolean", help: "only write the data" },
    },
    load: () => import("./seed.command"),
  },

  import: {
    heapMb: 192,
    summary:
      "import a catalog and/or events from CSV files (plain or .gz; bad rows are reported and skipped)",
    flags: {
      events: { type: "string", help: "events CSV: userId,itemId,timestamp,eventType|rating[,value]" },
      items: { type: "string", help: "catalog CSV: itemId[,title,category,price,imageUrl]" },
      "keep-days": {
        type: "string",
        defaultText: "EVENT_TTL_DAYS, else 365",
        help: "keep these events this many days from now (0: for ever)",
      },
      again: { type: "boolean", help: "import a file that was imported completely before once more" },
    },
    load: () => import("./import.command"),
  },

  train: {
    summary: "train a model (NMF, ALS or EASE) from the events table (or a CSV), validate it and promote it",
    flags: {
      model: { type: "string", default: "nmf", help: "the model family: nmf, als or ease" },
      events: {
        type: "string",
        help: "train from this events CSV (plain or .gz) instead of the events table",
      },
      force: { type: "boolean", help: "promote even when the validation gate refuses" },
    },
    load: () => import("./train.command"),
  },

  tune: {
    summary:
      "seeded search over a model's settings on a validation split; the winner is trained, validated and kept for later retraining",
    flags: {
      model: { type: "string", default: "all", help: "nmf, als, ease or all" },
      trials: {
        type: "string",
        default: "18",
        help: "settings tried per model (the first is the current one)",
      },
      seed: { type: "string", default: "42", help: "random seed of the search and the split" },
      events: {
        type: "string",
        help: "tune on this events CSV (plain or .gz) instead of the events table",
      },
      "no-train": { type: "boolean", help: "only print the trials and the best; store nothing" },
      force: { type: "boolean", help: "promote even when the validation gate refuses" },
    },
    load: () => import("./tune.command"),
  },

  evaluate: {
    summary:
      "offline ranking quality of every in-process model (popularity, NMF, ALS, EASE) side by side, as a table, JSON or an HTML report",
    flags: {
      events: { type: "string", help: "events CSV, split per user into train and test" },
      split: { type: "string", default: "0.75", help: "share of each user's items kept for training" },
      seed: { type: "string", default: "42", help: "random seed of the split and of training" },
      train: { type: "string", help: "train CSV (with --test, instead of --events)" },
      test: { type: "string", help: "test CSV" },
      k: { type: "string", default: "5,10,20", help: "list lengths, comma-separated" },
      users: {
        type: "string",
        defaultText: "all",
        help: "evaluate a seeded sample of at most this many users",
      },
      json: { type: "boolean", help: "print one JSON object" },
      html: { type: "string", help: "also write a self-contained HTML report with charts to this file" },
    },
    load: () => import("./evaluate.command"),
  },

  "import-factors": {
    summary:
      "bring in user and item factors trained elsewhere (e.g. Spark ALS, nonnegative) as a model, through the validation gate",
    flags: {
      users: { type: "string", help: "user factors CSV: id,f1,...,fk (required)" },
      items: { type: "string", help: "item factors CSV: id,f1,...,fk (required)" },
      force: { type: "boolean", help: "promote even when the validation gate refuses" },
    },
    load: () => import("./import-factors.command"),
  },

  features: {
    summary: "compute user and item features and the feature spec from the events table (XGBoost ranker)",
    flags: {},
    load: () => import("./features.command"),
  },

  "export-xgboost": {
    summary: "write SageMaker built-in XGBoost training CSVs (train/, validation/) and feature-spec.json",
    flags: {
      out: { type: "string", help: "output folder (required)" },
      negatives: { type: "string", default: "4", help: "negatives sampled per positive, by popularity" },
      validation: { type: "string", default: "0.2", help: "share of users in the validation set" },
      seed: { type: "string", default: "42", help: "random seed of sampling and split" },
    },
    load: () => import("./export-xgboost.command"),
  },

  "export-personalize": {
    summary:
      "write Amazon Personalize's interactions and items CSVs and their schemas from the tables, and check its minimums",
    flags: {
      out: { type: "string", help: "output folder, or s3://bucket/prefix (required)" },
    },
    load: () => import("./export-personalize.command"),
  },

  "personalize-setup": {
    summary:
      "create what CloudFormation cannot (imports, solution versions, campaigns, event tracker); idempotent",
    flags: {
      name: { type: "string", defaultText: "recs-gateway-<STAGE>", help: "the dataset group's name" },
      data: { type: "string", help: "s3://bucket/prefix that export-personalize wrote (for the imports)" },
      "role-arn": {
        type: "string",
        help: "role Personalize assumes to read it (stack output PersonalizeImportRoleArn)",
      },
      "min-tps": {
        type: "string",
        default: "1",
        help: "campaigns' minimum provisioned TPS (billed per hour)",
      },
      "poll-seconds": { type: "string", default: "30", help: "seconds between two status checks" },
    },
    load: () => import("./personalize-setup.command"),
  },

  "personalize-status": {
    summary: "state of each Personalize resource, and the latest solution versions' offline metrics",
    flags: {
      name: { type: "string", defaultText: "recs-gateway-<STAGE>", help: "the dataset group's name" },
    },
    load: () => import("./personalize-status.command"),
  },

  "sagemaker-local": {
    summary:
      "serve an XGBoost save_model JSON as a local SageMaker endpoint (POST /endpoints/NAME/invocations)",
    flags: {
      model: { type: "string", help: "XGBoost save_model JSON file, or s3://bucket/key (required)" },
      port: { type: "string", default: "8089", help: "port on 127.0.0.1 (0 picks a free one)" },
      name: { type: "string", default: "recs", help: "endpoint name it answers to" },
    },
    load: () => import("./sagemaker-local.command"),
  },
};

/** Help's command column: the longest name and two spaces. */
export const NAME_WIDTH = Math.max(...Object.keys(commands).map((name) => name.length)) + 2;
