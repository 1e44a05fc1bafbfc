#!/usr/bin/env python3
"""scikit-learn side of the band-selection benchmark (bench-bands runs it and prints both sides).

Fits scikit-learn's PCA (100 components, whitened) and NMF (100 components) on the pixels of a
cube (H*W x B, float64 as the original tool fed them) and prints one JSON object with times,
errors and iteration counts. NMF runs twice: with the seed-era default init='nndsvd' (200
iterations, the good basis) and with today's defaults (nndsvda, which stops after ~2 iterations).

Usage: bench_band_selection.py CUBE.npy [--components 100] [--max-iter 200] [--repeats 5] [--skip-nmf]
"""
import argparse
import json
import time
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import NMF, PCA


def timed(fn, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cube")
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-nmf", action="store_true")
    args = parser.parse_args()

    cube = np.load(args.cube)
    X = cube.reshape(-1, cube.shape[-1]).astype(np.float64)
    norm_x = float(np.linalg.norm(X))
    out = {"sklearn": sklearn.__version__, "shape": list(cube.shape), "threads_note": "numpy BLAS default"}

    def pca_run():
        pca = PCA(n_components=args.components, whiten=True)
        Y = pca.fit_transform(X)
        return pca, Y

    seconds, (pca, Y) = timed(pca_run, args.repeats)
    out["pca"] = {"seconds": seconds, "solver": pca._fit_svd_solver,
                  "explained_variance_ratio_sum": float(pca.explained_variance_ratio_.sum()),
                  "explained_variance_ratio": pca.explained_variance_ratio_.tolist()}
    X32 = X.astype(np.float32)
    seconds32, _ = timed(lambda: PCA(n_components=args.components, whiten=True).fit_transform(X32), args.repeats)
    out["pca"]["seconds_float32_input"] = seconds32

    if not args.skip_nmf:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, init in (("nmf_nndsvd", "nndsvd"), ("nmf_default", None)):
                model = NMF(n_components=args.components, init=init, max_iter=args.max_iter, random_state=0)
                start = time.perf_counter()
                W = model.fit_transform(X)
                seconds = time.perf_counter() - start
                error = float(np.linalg.norm(X - W @ model.components_))
                out[key] = {"init": model.init or "nndsvda (default)", "solver": model.solver, "tol": model.tol,
                            "seconds": seconds, "iterations": int(model.n_iter_),
                            "reconstruction_error": error, "relative_error": error / norm_x}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
