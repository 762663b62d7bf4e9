"""Reference models in numpy on the same train split as bench:quality, for a side-by-side comparison.

Usage: /usr/bin/python3 quality_reference.py IN_DIR OUT_JSON MODEL [PARAMS_JSON]
   or: /usr/bin/python3 quality_reference.py split RATINGS_CSV OUT_DIR
The first form: IN_DIR/train.tsv holds "user<TAB>item<TAB>weight" rows (0-based indices); IN_DIR/shape.json
{"users": m, "items": n}. MODEL is "ials" (Hu, Koren and Volinsky 2008, exact Cholesky solves) or
"ease" (Steck 2019; an items x items inverse, so only for small catalogs). Writes the fit time and
each user's top-20 unseen items.
The second writes OUT_DIR/train.csv and OUT_DIR/test.csv ("user,item" rows, the CSV's ids): the per-user
75/25 split of issue #12's table (numpy's default_rng(42), users in order of first appearance, each user's
items shuffled in file order, round(0.75 n) of them kept for training): on it that table's popularity
(0.219), scikit-learn NMF with 15 factors (0.300) and EASE (0.406) figures come out again.
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def ials(R, components, regularization, alpha, iterations, seed):
    rng = np.random.default_rng(seed)
    m, n = R.shape
    X = rng.normal(0, 0.1 / np.sqrt(components), (m, components))
    Y = rng.normal(0, 0.1 / np.sqrt(components), (n, components))
    by_items = R.T.tocsr()
    eye = regularization * np.eye(components)
    for _ in range(iterations):
        for rows, fixed, target in ((R, Y, X), (by_items, X, Y)):
            gram = fixed.T @ fixed + eye
            for row in range(rows.shape[0]):
                idx = rows.indices[rows.indptr[row] : rows.indptr[row + 1]]
                w = rows.data[rows.indptr[row] : rows.indptr[row + 1]]
                F = fixed[idx]
                A = gram + (F.T * (alpha * w)) @ F
                target[row] = np.linalg.solve(A, F.T @ (1 + alpha * w))
    return X @ Y.T


def ease(R, regularization):
    B = (R.T @ R).toarray().astype(np.float64)
    B[np.diag_indices_from(B)] += regularization
    P = np.linalg.inv(B)
    B = P / (-np.diag(P))
    B[np.diag_indices_from(B)] = 0
    return np.asarray(R @ B)


def issue_split(ratings_csv, out_dir):
    by_user = {}
    with open(ratings_csv) as f:
        next(f)
        for line in f:
            user, item = line.split(",")[:2]
            by_user.setdefault(user, []).append(item)
    rng = np.random.default_rng(42)
    with open(f"{out_dir}/train.csv", "w") as train, open(f"{out_dir}/test.csv", "w") as test:
        for user, items in by_user.items():
            items = np.array(items)
            rng.shuffle(items)
            keep = max(1, round(len(items) * 0.75))
            train.writelines(f"{user},{item}\n" for item in items[:keep])
            test.writelines(f"{user},{item}\n" for item in items[keep:])


def main() -> None:
    if sys.argv[1] == "split":
        return issue_split(sys.argv[2], sys.argv[3])
    in_dir, out_path, model = sys.argv[1], sys.argv[2], sys.argv[3]
    params = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    shape = json.load(open(f"{in_dir}/shape.json"))
    rows, cols, vals = np.loadtxt(f"{in_dir}/train.tsv", delimiter="\t", unpack=True, ndmin=2)
    R = sp.csr_matrix((np.ones_like(vals), (rows.astype(int), cols.astype(int))), shape=(shape["users"], shape["items"]))
    started = time.perf_counter()
    scores = ials(R, **params) if model == "ials" else ease(R, **params)
    fit_seconds = time.perf_counter() - started
    scores[R.nonzero()] = -np.inf
    best = np.argpartition(-scores, 20, axis=1)[:, :20]
    order = np.take_along_axis(scores, best, axis=1).argsort(axis=1)[:, ::-1]
    top = np.take_along_axis(best, order, axis=1).tolist()
    json.dump({"fitSeconds": fit_seconds, "top": top}, open(out_path, "w"))


main()
