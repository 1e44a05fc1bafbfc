"""Damaged Keras model files for HSIFlow's error tests, made with h5py from keras3_cao.h5.

  model_bad_layer.h5     model_config names a layer type HSIFlow does not support (LSTM)
  model_bad_shape.h5     conv1's kernel has the wrong shape for its config
  model_missing_weight.h5  weight_names lists a dataset that is not there
  model_no_config.h5     an HDF5 file with model_weights but no model_config
Run after reference/keras_model_fixtures.py: /tmp/venv/bin/python reference/malformed_model_fixtures.py
"""
import json
import pathlib
import shutil

import h5py
import numpy as np

FIX = pathlib.Path(__file__).resolve().parent.parent / "Tests/FileFormatsTests/Fixtures"
SOURCE = FIX / "keras3_cao.h5"


def copy(name):
    target = FIX / name
    shutil.copy(SOURCE, target)
    return h5py.File(target, "r+")


with copy("model_bad_layer.h5") as f:
    config = json.loads(f.attrs["model_config"])
    config["config"]["layers"][2]["class_name"] = "LSTM"
    f.attrs["model_config"] = json.dumps(config)
    del f["optimizer_weights"]

with copy("model_bad_shape.h5") as f:
    del f["model_weights/conv1/cao/conv1/kernel"]
    f["model_weights/conv1/cao/conv1/kernel"] = np.zeros((3, 3, 7, 30), dtype=np.float32)
    del f["optimizer_weights"]

with copy("model_missing_weight.h5") as f:
    del f["model_weights/dense1/cao/dense1/bias"]
    del f["optimizer_weights"]

with copy("model_no_config.h5") as f:
    del f.attrs["model_config"]
    del f["optimizer_weights"]

# h5py frees space lazily; repack so the fixtures stay small.
for name in ["model_bad_layer.h5", "model_bad_shape.h5", "model_missing_weight.h5", "model_no_config.h5"]:
    path = FIX / name
    tmp = path.with_suffix(".tmp")
    with h5py.File(path, "r") as src, h5py.File(tmp, "w") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v
        for k in src:
            src.copy(src[k], dst, name=k)
    tmp.replace(path)
print("wrote damaged model fixtures")
