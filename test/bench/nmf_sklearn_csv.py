"""scikit-learn's NMF on the bench:nmf real-size events CSV, the whole process timed by the caller.

Usage: /usr/bin/python3 nmf_sklearn_csv.py CSV OUT_JSON COMPONENTS ITERATIONS
Reads "userId,itemId,timestamp,eventType" with numpy, weights event types as the gateway does
(view 1, add_to_cart 3, purchase 5), sums repeated pairs (csr_matrix does), fits NMF(nndsvda).
Writes the read and fit times, iterations, the matrix shape and peak RSS (ru_maxrss).
"""
import json
import resource
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF

WEIGHTS = {"view": 1.0, "add_to_cart": 3.0, "purchase": 5.0}


def main() -> None:
    csv, out_path, components, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    started = time.perf_counter()
    users, items, types = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=(0, 1, 3), dtype=str, unpack=True)
    user_ids, rows = np.unique(users, return_inverse=True)
    item_ids, cols = np.unique(items, return_inverse=True)
    type_ids, type_index = np.unique(np.char.lower(types), return_inverse=True)
    weights = np.array([WEIGHTS[t] for t in type_ids])[type_index]
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=(len(user_ids), len(item_ids)))
    matrix.sum_duplicates()
    del users, items, types
    read_seconds = time.perf_counter() - started
    model = NMF(n_components=components, init="nndsvda", max_iter=iterations, random_state=0)
    fit_started = time.perf_counter()
    model.fit_transform(matrix)
    fit_seconds = time.perf_counter() - fit_started
    json.dump(
        {
            "events": int(len(rows)),
            "users": int(matrix.shape[0]),
            "items": int(matrix.shape[1]),
            "pairs": int(matrix.nnz),
            "readSeconds": read_seconds,
            "fitSeconds": fit_seconds,
            "iterations": int(model.n_iter_),
            "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
        open(out_path, "w"),
    )


main()
