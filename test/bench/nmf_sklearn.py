"""scikit-learn's NMF on the same train matrix as bench:nmf, for a side-by-side comparison.

Usage: /usr/bin/python3 nmf_sklearn.py IN_DIR OUT_JSON COMPONENTS ITERATIONS
IN_DIR/train.tsv holds "user<TAB>item<TAB>weight" rows (0-based indices); IN_DIR/shape.json
{"users": m, "items": n}. Writes the fit time, iterations and each user's top-10 unseen items.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF


def main() -> None:
    in_dir, out_path, components, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    shape = json.load(open(f"{in_dir}/shape.json"))
    rows, cols, vals = np.loadtxt(f"{in_dir}/train.tsv", delimiter="\t", unpack=True)
    matrix = sp.csr_matrix((vals, (rows.astype(int), cols.astype(int))), shape=(shape["users"], shape["items"]))
    model = NMF(n_components=components, init="nndsvda", max_iter=iterations, random_state=0)
    started = time.perf_counter()
    W = model.fit_transform(matrix)
    fit_seconds = time.perf_counter() - started
    H = model.components_
    top = []
    for start in range(0, shape["users"], 2048):
        scores = W[start : start + 2048] @ H
        seen = matrix[start : start + 2048]
        scores[seen.nonzero()] = -np.inf
        best = np.argpartition(-scores, 10, axis=1)[:, :10]
        order = np.take_along_axis(scores, best, axis=1).argsort(axis=1)[:, ::-1]
        top.extend(np.take_along_axis(best, order, axis=1).tolist())
    json.dump({"fitSeconds": fit_seconds, "iterations": int(model.n_iter_), "top": top}, open(out_path, "w"))


main()
