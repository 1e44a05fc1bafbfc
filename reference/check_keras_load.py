"""Checks that Keras 3 opens a model file HSIFlow wrote and predicts what HSIFlow predicts.

Steps (from the repository root):
  HSIFLOW_KEEP_MODEL=/tmp/hsiflow_model.h5 swift test --filter ModelFileTests/roundTripIsExactForEveryLayerKind
  /tmp/venv/bin/python reference/check_keras_load.py /tmp/hsiflow_model.h5 [path/to/hsiflow]
It writes seeded random patches for the model's input, runs `hsiflow predict MODEL PATCHES`, loads
the model with keras.models.load_model, and compares Keras' probabilities with HSIFlow's.
"""
import os
import pathlib
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402

model_path = sys.argv[1]
hsiflow = sys.argv[2] if len(sys.argv) > 2 else ".build/debug/hsiflow"
model = keras.models.load_model(model_path, compile=False)
model.summary()
shape = model.input_shape[1:]
x = np.random.RandomState(5).standard_normal((16, *shape)).astype(np.float32)
with tempfile.TemporaryDirectory() as tmp:
    patches = pathlib.Path(tmp) / "patches.npy"
    out = pathlib.Path(tmp) / "pred.npy"
    np.save(patches, x)
    subprocess.run([hsiflow, "predict", model_path, str(patches), "--out", str(out)], check=True)
    ours = np.load(pathlib.Path(tmp) / "pred.probabilities.npy")
    classes = np.load(out)
theirs = model.predict(x, verbose=0)
diff = float(np.abs(ours - theirs).max())
print(f"Keras {keras.__version__} loaded {model_path}; max |HSIFlow - Keras| probability = {diff:.2e}; "
      f"classes agree: {bool((classes == theirs.argmax(axis=1)).all())}")
sys.exit(0 if diff < 1e-4 else 1)
