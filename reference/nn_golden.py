"""Golden values for HSIFlow's NeuralNet tests, computed independently with numpy (float64).

A tiny network in Keras' layout (NHWC input, conv kernels (kh, kw, in, out), dense (in, out)):
  input (2, 5, 5, 3)
  -> Conv2D(4, 3x3, valid, relu) -> Conv2D(2, 3x3, same, relu) -> Flatten
  -> Dense(5, linear) -> Dense(3, softmax)
with categorical cross-entropy on labels [2, 0], and one Adam step (Keras' update rule).
Writes Tests/NeuralNetTests/Fixtures/nn_golden.json: inputs, weights, output, loss,
gradients (every parameter and the input) and the weights after one Adam step.
Run: /work/venv/bin/python reference/nn_golden.py
"""
import json
import pathlib

import numpy as np

rng = np.random.RandomState(7)
x = rng.uniform(-1, 1, size=(2, 5, 5, 3))
labels = np.array([2, 0])
params = {
    "conv_a": [rng.uniform(-0.5, 0.5, (3, 3, 3, 4)), rng.uniform(-0.1, 0.1, (4,))],
    "conv_b": [rng.uniform(-0.5, 0.5, (3, 3, 4, 2)), rng.uniform(-0.1, 0.1, (2,))],
    "dense_a": [rng.uniform(-0.5, 0.5, (18, 5)), rng.uniform(-0.1, 0.1, (5,))],
    "dense_b": [rng.uniform(-0.5, 0.5, (5, 3)), rng.uniform(-0.1, 0.1, (3,))],
}
order = ["conv_a", "conv_b", "dense_a", "dense_b"]


def conv_forward(x, w, b, same):
    kh, kw = w.shape[:2]
    if same:
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (pt, kh - 1 - pt), (pl, kw - 1 - pl), (0, 0)))
    n, h, wd, _ = x.shape
    oh, ow = h - kh + 1, wd - kw + 1
    z = np.zeros((n, oh, ow, w.shape[3]))
    for i in range(oh):
        for j in range(ow):
            z[:, i, j, :] = np.einsum("nabc,abcf->nf", x[:, i:i + kh, j:j + kw, :], w) + b
    return z, x


def conv_backward(xp, w, dz, same, in_shape):
    kh, kw = w.shape[:2]
    oh, ow = dz.shape[1:3]
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i:i + kh, j:j + kw, :]
            dw += np.einsum("nabc,nf->abcf", patch, dz[:, i, j, :])
            dxp[:, i:i + kh, j:j + kw, :] += np.einsum("abcf,nf->nabc", w, dz[:, i, j, :])
    db = dz.sum(axis=(0, 1, 2))
    if same:
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        dxp = dxp[:, pt:pt + in_shape[1], pl:pl + in_shape[2], :]
    return dxp, dw, db


# Forward.
z1, x1p = conv_forward(x, *params["conv_a"], same=False)
a1 = np.maximum(z1, 0)
z2, a1p = conv_forward(a1, *params["conv_b"], same=True)
a2 = np.maximum(z2, 0)
f = a2.reshape(2, -1)
d1 = f @ params["dense_a"][0] + params["dense_a"][1]
logits = d1 @ params["dense_b"][0] + params["dense_b"][1]
e = np.exp(logits - logits.max(axis=1, keepdims=True))
p = e / e.sum(axis=1, keepdims=True)
n = len(labels)
loss = -np.mean(np.log(p[np.arange(n), labels]))

# Backward: dL/dlogits = (p - onehot) / n.
onehot = np.eye(3)[labels]
dlogits = (p - onehot) / n
grads = {}
grads["dense_b"] = [d1.T @ dlogits, dlogits.sum(axis=0)]
dd1 = dlogits @ params["dense_b"][0].T
grads["dense_a"] = [f.T @ dd1, dd1.sum(axis=0)]
df = dd1 @ params["dense_a"][0].T
dz2 = df.reshape(a2.shape) * (z2 > 0)
da1, dw2, db2 = conv_backward(a1p, params["conv_b"][0], dz2, True, a1.shape)
grads["conv_b"] = [dw2, db2]
dz1 = da1 * (z1 > 0)
dx, dw1, db1 = conv_backward(x1p, params["conv_a"][0], dz1, False, x.shape)
grads["conv_a"] = [dw1, db1]

# One Adam step, Keras' form: alpha = lr*sqrt(1-b2^t)/(1-b1^t); m, v from zero; w -= alpha*m/(sqrt(v)+eps).
lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-7, 1
alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
after = {}
for k in order:
    after[k] = []
    for w, g in zip(params[k], grads[k]):
        m = (1 - b1) * g
        v = (1 - b2) * g * g
        after[k].append(w - alpha * m / (np.sqrt(v) + eps))


def flat(a):
    return {"shape": list(a.shape), "values": [float(v) for v in a.ravel()]}


out = {
    "description": "tiny net: Conv2D(4,3x3,valid,relu) Conv2D(2,3x3,same,relu) Flatten Dense(5) Dense(3,softmax); labels [2,0]; Adam lr 0.01",
    "input": flat(x),
    "labels": labels.tolist(),
    "weights": [[flat(a) for a in params[k]] for k in order],
    "output": flat(p),
    "loss": float(loss),
    "gradients": [[flat(a) for a in grads[k]] for k in order],
    "inputGradient": flat(dx),
    "adam": {"learningRate": lr},
    "weightsAfterAdam": [[flat(a) for a in after[k]] for k in order],
}
path = pathlib.Path(__file__).resolve().parent.parent / "Tests/NeuralNetTests/Fixtures/nn_golden.json"
path.write_text(json.dumps(out))
print(f"wrote {path} (loss {loss:.6f})")

# Metrics golden values from scikit-learn, for ClassificationMetrics.
from sklearn.metrics import cohen_kappa_score, confusion_matrix, recall_score  # noqa: E402

mrng = np.random.RandomState(3)
truth = mrng.randint(0, 5, size=200)
pred = np.where(mrng.uniform(size=200) < 0.7, truth, mrng.randint(0, 5, size=200))
cm = confusion_matrix(truth, pred, labels=list(range(5)))
per_class = recall_score(truth, pred, labels=list(range(5)), average=None)
metrics = {
    "truth": truth.tolist(), "predicted": pred.tolist(), "classes": 5,
    "confusion": cm.tolist(),
    "overallAccuracy": float((truth == pred).mean()),
    "averageAccuracy": float(per_class.mean()),
    "kappa": float(cohen_kappa_score(truth, pred)),
    "perClassAccuracy": [float(v) for v in per_class],
}
mpath = path.parent / "metrics_golden.json"
mpath.write_text(json.dumps(metrics))
print(f"wrote {mpath}")
