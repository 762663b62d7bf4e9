#!/usr/bin/python3
"""Trains the XGBoost ranker on an `npx recs export-xgboost` folder, as SageMaker's built-in container
would (binary:logistic on label-first CSV, empty cells missing), and saves a save_model JSON that
XGBOOST_MODEL_URI and `npx recs sagemaker-local` serve.

    /usr/bin/python3 scripts/train_xgboost.py --data /tmp/x --out /tmp/x/model.json

Needs Debian's python3-xgboost (1.7) under /usr/bin/python3. The data and the model are outputs:
keep them out of the repository.
"""
import argparse
import json
import os

import numpy as np
import xgboost as xgb


def load(path):
    # genfromtxt reads an empty cell as nan, which XGBoost treats as missing (as the container does).
    data = np.genfromtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    return xgb.DMatrix(data[:, 1:], label=data[:, 0], missing=np.nan)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the export folder (train/, validation/, feature-spec.json)")
    parser.add_argument("--out", required=True, help="where to write the save_model JSON")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=6)
    parser.add_argument("--eta", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    with open(os.path.join(args.data, "feature-spec.json")) as f:
        spec = json.load(f)
    train = load(os.path.join(args.data, "train", "train.csv"))
    validation = load(os.path.join(args.data, "validation", "validation.csv"))
    if train.num_col() != len(spec["features"]):
        raise SystemExit(f"train.csv has {train.num_col()} feature columns, the spec {len(spec['features'])}")
    train.feature_names = validation.feature_names = spec["features"]

    params = {
        "objective": "binary:logistic",
        "eval_metric": ["logloss", "auc"],
        "max_depth": args.max_depth,
        "eta": args.eta,
        "subsample": 0.8,
        "seed": args.seed,
        "tree_method": "hist",
    }
    booster = xgb.train(
        params,
        train,
        num_boost_round=args.rounds,
        evals=[(train, "train"), (validation, "validation")],
        early_stopping_rounds=10,
        verbose_eval=25,
    )
    best_auc = booster.best_score
    booster = booster[: booster.best_iteration + 1]  # keep the trees early stopping chose
    booster.save_model(args.out)  # a .json name makes it the JSON format the TypeScript evaluator reads
    print(f"saved {args.out}: {booster.num_boosted_rounds()} trees, best validation auc {best_auc:.4f}"
          f" (spec {spec['version']})")


if __name__ == "__main__":
    main()
