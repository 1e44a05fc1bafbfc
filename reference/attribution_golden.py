"""Golden values for HSIFlow's Attribution tests, computed independently with numpy/scipy/matplotlib.

- viridis: matplotlib's colormap at t = k/16 (the anchors HSIFlow interpolates) and at other points;
- spearman/cosine: scipy.stats.spearmanr (average ranks for ties) and the cosine of a few vector pairs;
- percentiles: numpy.percentile (linear interpolation), used by the robust per-map normalization;
- a tiny MLP in Keras layout, input (3, 2, 2, 3) -> Flatten -> Dense(6, relu) -> Dense(4, linear):
  the logit gradient, the guided-backprop gradient and integrated gradients (zero baseline,
  16 midpoint steps) for classes [1, 3, 0].
Writes Tests/AttributionTests/Fixtures/attribution_golden.json.
Run: /work/venv/bin/python reference/attribution_golden.py
"""
import json
import pathlib

import numpy as np
from matplotlib import colormaps
from scipy.stats import spearmanr

out = {}

viridis = colormaps["viridis"]
out["viridis_anchors"] = [list(map(float, viridis(k / 16)[:3])) for k in range(17)]
probe = [0.0, 0.03, 0.1, 0.25, 0.33, 0.5, 0.61, 0.77, 0.9, 1.0]
out["viridis_probe_t"] = probe
out["viridis_probe"] = [list(map(float, viridis(t)[:3])) for t in probe]

rng = np.random.RandomState(3)
pairs = []
a = rng.normal(size=40)
pairs.append((a, a * 2 + rng.normal(scale=0.5, size=40)))
pairs.append((a, -a))
pairs.append((np.array([1, 2, 2, 3, 3, 3, 0, 5.0]), np.array([2, 1, 1, 4, 4, 0, 0, 3.0])))
b = np.round(rng.uniform(0, 4, size=30))
pairs.append((b, np.round(rng.uniform(0, 4, size=30))))
out["similarity"] = [
    {"a": list(map(float, p)), "b": list(map(float, q)),
     "spearman": float(spearmanr(p, q).statistic),
     "cosine": float(np.dot(p, q) / (np.linalg.norm(p) * np.linalg.norm(q)))}
    for p, q in pairs
]

v = rng.normal(size=37) * 1e-4
out["percentile_values"] = list(map(float, v))
out["percentiles"] = {str(q): float(np.percentile(v, q)) for q in [0, 1, 5, 50, 95, 99, 100]}

# Tiny MLP.
x = rng.uniform(-1, 1, size=(3, 2, 2, 3))
w1, b1 = rng.uniform(-0.7, 0.7, (12, 6)), rng.uniform(-0.2, 0.2, (6,))
w2, b2 = rng.uniform(-0.7, 0.7, (6, 4)), rng.uniform(-0.2, 0.2, (4,))
classes = [1, 3, 0]
steps = 16


def grad(xf, c, guided=False):
    z1 = xf @ w1 + b1
    dy1 = w2[:, c].copy()
    if guided:
        dy1 = np.maximum(dy1, 0)
    dz1 = dy1 * (z1 > 0)
    return w1 @ dz1


def logit(xf, c):
    return (np.maximum(xf @ w1 + b1, 0) @ w2 + b2)[c]


xs = x.reshape(3, 12)
gradients = [grad(xs[s], classes[s]) for s in range(3)]
guided = [grad(xs[s], classes[s], guided=True) for s in range(3)]
ig = []
for s in range(3):
    acc = np.zeros(12)
    for t in range(steps):
        acc += grad((t + 0.5) / steps * xs[s], classes[s])
    ig.append(xs[s] * acc / steps)
out["mlp"] = {
    "x": list(map(float, x.ravel())), "w1": list(map(float, w1.ravel())), "b1": list(map(float, b1)),
    "w2": list(map(float, w2.ravel())), "b2": list(map(float, b2)), "classes": classes, "steps": steps,
    "gradient": [float(g) for row in gradients for g in row],
    "guided": [float(g) for row in guided for g in row],
    "integrated_gradients": [float(g) for row in ig for g in row],
    "score_differences": [float(logit(xs[s], classes[s]) - logit(np.zeros(12), classes[s])) for s in range(3)],
}

path = pathlib.Path(__file__).resolve().parent.parent / "Tests/AttributionTests/Fixtures/attribution_golden.json"
path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
print("wrote", path)
print("viridis anchors:")
for r, g, b_ in out["viridis_anchors"]:
    print(f"({r:.6f}, {g:.6f}, {b_:.6f}),")
