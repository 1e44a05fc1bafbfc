#!/usr/bin/env python3
"""Golden fixtures for BandSelection, from scikit-learn.

Writes Tests/BandSelectionTests/Fixtures/{pca,nmf}_golden.json: a small synthetic
16x16x12 cube (4 endmember spectra, smooth abundances, noise; values exactly
representable in float32) and what scikit-learn's StandardScaler, MinMaxScaler,
PCA (plain and whitened) and NMF (nndsvd / nndsvda init, cd and mu solvers, the
error after every iteration count 1..N) make of it.

With --indian-pines CUBE.npy it also writes indian_pines_golden.json (a few KB): PCA(100,
whiten) variance ratios and leading components on the real cube, and the CD/MU NMF errors after
1, 2, 5 and 10 iterations from a start both sides compute from a formula (so no 21025x100 start
matrix has to be stored).

Run: /work/venv/bin/python reference/band_selection_golden.py [--indian-pines CUBE.npy]
"""
import argparse
import json
import pathlib

import numpy as np
import sklearn
from sklearn.decomposition import NMF, PCA
from sklearn.decomposition._nmf import _initialize_nmf
from sklearn.preprocessing import MinMaxScaler, StandardScaler

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "BandSelectionTests" / "Fixtures"
H, W, B, ENDMEMBERS = 16, 16, 12, 4
PCA_COMPONENTS = 5
NMF_COMPONENTS = 4
NMF_ITERATIONS = 40


def synthetic_cube(seed=41):
    rng = np.random.default_rng(seed)
    bands = np.arange(B)
    # Endmember spectra: smooth bumps at different wavelengths, strictly positive.
    centers = rng.uniform(0, B - 1, size=ENDMEMBERS)
    widths = rng.uniform(1.5, 4.0, size=ENDMEMBERS)
    spectra = 800 + 3000 * np.exp(-0.5 * ((bands[None, :] - centers[:, None]) / widths[:, None]) ** 2)
    # Abundances: smooth fields over the image, normalised to sum to 1 per pixel.
    yy, xx = np.mgrid[0:H, 0:W] / 15.0
    fields = []
    for _ in range(ENDMEMBERS):
        a, b, c = rng.uniform(-3, 3, size=3)
        fields.append(np.exp(a * xx + b * yy + c * xx * yy))
    abundance = np.stack(fields, axis=-1)
    abundance /= abundance.sum(axis=-1, keepdims=True)
    cube = abundance @ spectra + rng.normal(0, 25, size=(H, W, B))
    return cube.astype(np.float32).astype(np.float64)   # exactly float32 values


def rows(a):
    return np.asarray(a, dtype=np.float64).tolist()


def pca_fixture(X):
    out = {}
    for name, whiten in (("plain", False), ("whitened", True)):
        pca = PCA(n_components=PCA_COMPONENTS, whiten=whiten, svd_solver="covariance_eigh")
        Y = pca.fit_transform(X)
        out[name] = {
            "whiten": whiten,
            "components": rows(pca.components_),
            "mean": rows(pca.mean_),
            "explained_variance": rows(pca.explained_variance_),
            "explained_variance_ratio": rows(pca.explained_variance_ratio_),
            "singular_values": rows(pca.singular_values_),
            "noise_variance": float(pca.noise_variance_),
            "transformed": rows(Y),
        }
    std = StandardScaler().fit(X)
    mm = MinMaxScaler().fit(X)
    Z = std.transform(X)
    pca = PCA(n_components=PCA_COMPONENTS, whiten=True, svd_solver="covariance_eigh")
    out["standardized_whitened"] = {
        "explained_variance_ratio": rows(pca.fit(Z).explained_variance_ratio_),
        "transformed": rows(pca.transform(Z)),
    }
    out["standard"] = {"mean": rows(std.mean_), "scale": rows(std.scale_)}
    out["minmax"] = {"min": rows(mm.data_min_), "range": rows(mm.data_range_)}
    return out


def nmf_runs(X, W0, H0, solver, iterations):
    """Reconstruction error after 1..iterations iterations (tol=0 so each run goes all the way)."""
    errors = []
    for n in range(1, iterations + 1):
        model = NMF(n_components=NMF_COMPONENTS, init="custom", solver=solver, tol=0.0, max_iter=n)
        model.fit_transform(X, W=W0.copy(), H=H0.copy())
        assert model.n_iter_ == n
        errors.append(float(model.reconstruction_err_))
    return errors, model


def nmf_fixture(X):
    out = {"components": NMF_COMPONENTS, "iterations": NMF_ITERATIONS}
    for init in ("nndsvd", "nndsvda"):
        W0, H0 = _initialize_nmf(X, NMF_COMPONENTS, init=init, random_state=0)
        entry = {"W0": rows(W0), "H0": rows(H0)}
        for solver in ("cd", "mu"):
            errors, model = nmf_runs(X, W0, H0, solver, NMF_ITERATIONS)
            entry[solver] = {"errors": errors, "H": rows(model.components_)}
        out[init] = entry
    # transform(): new weights for the same pixels with H fixed.
    model = NMF(n_components=NMF_COMPONENTS, init="nndsvd", solver="cd", tol=1e-4, max_iter=200, random_state=0)
    model.fit(X)
    Wt = model.transform(X)
    out["transform"] = {
        "H": rows(model.components_),
        "error": float(np.linalg.norm(X - Wt @ model.components_)),
    }
    return out


def formula_start(n, m, k, scale):
    """A deterministic positive start W (n x k), H (k x m); BandSelectionTests rebuilds it the same way."""
    i = np.arange(n)[:, None]
    j = np.arange(k)[None, :]
    W = scale * (1.0 + ((7 * i + 13 * j) % 17) / 17.0)
    j2 = np.arange(k)[:, None]
    c = np.arange(m)[None, :]
    H = scale * (1.0 + ((5 * j2 + 3 * c) % 11) / 11.0)
    return W, H


def indian_pines_fixture(path):
    cube = np.load(path)
    X = cube.reshape(-1, cube.shape[-1]).astype(np.float64)
    pca = PCA(n_components=100, whiten=True, svd_solver="covariance_eigh").fit(X)
    out = {"source": pathlib.Path(path).name, "shape": list(cube.shape),
           "pca": {"explained_variance_ratio": rows(pca.explained_variance_ratio_),
                   "leading_components": rows(pca.components_[:5])}}
    k = 100
    scale = float(np.sqrt(X.mean() / k))
    W0, H0 = formula_start(X.shape[0], X.shape[1], k, scale)
    norm_x = float(np.linalg.norm(X))
    for solver in ("cd", "mu"):
        errors = {}
        for n in (1, 2, 5, 10):
            model = NMF(n_components=k, init="custom", solver=solver, tol=0.0, max_iter=n)
            W = model.fit_transform(X, W=W0.copy(), H=H0.copy())
            errors[str(n)] = float(np.linalg.norm(X - W @ model.components_)) / norm_x
        out["nmf_" + solver] = {"start_scale": scale, "relative_errors": errors}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--indian-pines", help="Indian_pines_corrected.npy, for the real-data fixture")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    cube = synthetic_cube()
    X = cube.reshape(-1, B)
    meta = {"generator": "reference/band_selection_golden.py", "sklearn": sklearn.__version__,
            "numpy": np.__version__, "shape": [H, W, B], "cube": rows(X)}
    pca = dict(meta, **pca_fixture(X))
    nmf = dict(meta, **nmf_fixture(X))
    for name, payload in (("pca_golden.json", pca), ("nmf_golden.json", nmf)):
        path = OUT / name
        path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    if args.indian_pines:
        path = OUT / "indian_pines_golden.json"
        payload = dict(generator=meta["generator"], sklearn=meta["sklearn"], **indian_pines_fixture(args.indian_pines))
        path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
