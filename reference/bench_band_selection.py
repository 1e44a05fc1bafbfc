#!/usr/bin/env python3
"""scikit-learn side of the band-selection benchmark (bench-bands runs it and prints both sides).

Fits scikit-learn's PCA (100 components, whitened) and NMF (100 components) on the pixels of a
cube (H*W x B, float64 as the original tool fed them) and prints one JSON object with times,
errors and iteration counts. NMF runs twice: with the seed-era default init='nndsvd' (200
iterations, the good basis) and with today's defaults (nndsvda, which stops after ~2 iterations).

Usage: bench_band_selection.py CUBE.npy [--components 100] [--max-iter 200] [--repeats 5] [--skip-pca] [--skip-nmf] [--nndsvd-only]

bench-bands runs it with the Python named by HSIFLOW_REF_PYTHON (numpy, scipy, scikit-learn).
"""
import argparse
import json
import time
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import NMF, PCA


def timed(fn, repeats):
    """Best wall time over `repeats` runs, the process CPU time of that run, and the result."""
    best, cpu, result = float("inf"), 0.0, None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        elapsed = time.perf_counter() - start
        if elapsed < best:
            best, cpu = elapsed, time.process_time() - start_cpu
    return best, cpu, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cube")
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-pca", action="store_true")
    parser.add_argument("--skip-nmf", action="store_true")
    parser.add_argument("--nndsvd-only", action="store_true", help="NMF with init='nndsvd' only, not today's defaults too")
    args = parser.parse_args()

    cube = np.load(args.cube)
    X = cube.reshape(-1, cube.shape[-1]).astype(np.float64)
    norm_x = float(np.linalg.norm(X))
    out = {"sklearn": sklearn.__version__, "shape": list(cube.shape), "threads_note": "numpy BLAS default"}

    def pca_run():
        pca = PCA(n_components=args.components, whiten=True)
        Y = pca.fit_transform(X)
        return pca, Y

    if not args.skip_pca:
        seconds, cpu, (pca, Y) = timed(pca_run, args.repeats)
        X32 = X.astype(np.float32)
        seconds32, _, _ = timed(lambda: PCA(n_components=args.components, whiten=True).fit_transform(X32), args.repeats)
        out["pca"] = {"seconds": seconds, "cpu_seconds": cpu, "solver": pca._fit_svd_solver,
                      "seconds_float32_input": seconds32,
                      "explained_variance_ratio_sum": float(pca.explained_variance_ratio_.sum()),
                      "explained_variance_ratio": pca.explained_variance_ratio_.tolist()}

    if not args.skip_nmf:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runs = (("nmf_nndsvd", "nndsvd"),) if args.nndsvd_only else (("nmf_nndsvd", "nndsvd"), ("nmf_default", None))
            for key, init in runs:
                model = NMF(n_components=args.components, init=init, max_iter=args.max_iter, random_state=0)
                start, start_cpu = time.perf_counter(), time.process_time()
                W = model.fit_transform(X)
                seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
                error = float(np.linalg.norm(X - W @ model.components_))
                out[key] = {"init": model.init or "nndsvda (default)", "solver": model.solver, "tol": model.tol,
                            "seconds": seconds, "cpu_seconds": cpu, "iterations": int(model.n_iter_),
                            "reconstruction_error": error, "relative_error": error / norm_x}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
