"""Keras-saved cao-shaped models for HSIFlow's model-file tests (Keras 3 and Keras 2 legacy .h5).

The cao topology of the original tool (Conv2D 3x3 valid ReLU -> Conv2D 3x3 valid ReLU -> Flatten ->
Dense linear -> Dense linear -> Dense softmax) with its layer names, but 30/20 filters and 8 bands
instead of 300/200 and 200, so the fixtures stay small (the file layout does not depend on sizes).
Both are trained one epoch on seeded random data, so the weights are not just initial values, and
saved with model.save("...h5") (the legacy HDF5 layout HSIFlow reads and writes).
Writes into Tests/FileFormatsTests/Fixtures/:
  keras3_cao.h5             saved by Keras 3 (weights at model_weights/conv1/cao/conv1/kernel)
  keras2_cao.h5             saved by Keras 2 (tf_keras; weights at model_weights/conv1/conv1/kernel:0)
  keras_cao_predictions.json  fixed inputs and both models' predictions
Run: /work/venv/bin/python reference/keras_model_fixtures.py  (needs tensorflow-cpu and tf-keras)
"""
import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/FileFormatsTests/Fixtures"
BANDS, CLASSES = 8, 9


def build(layers_module, models_module, input_layer):
    L = layers_module
    return models_module.Sequential([
        input_layer,
        L.Conv2D(30, (3, 3), padding="valid", activation="relu", name="conv1"),
        L.Conv2D(20, (3, 3), padding="valid", activation="relu", name="conv2"),
        L.Flatten(name="flatten"),
        L.Dense(200, name="dense1"),
        L.Dense(100, name="dense2"),
        L.Dense(CLASSES, activation="softmax", name="predictions"),
    ], name="cao")


rng = np.random.RandomState(41)
train_x = rng.standard_normal((256, 5, 5, BANDS)).astype(np.float32)
train_y = np.eye(CLASSES, dtype=np.float32)[rng.randint(0, CLASSES, 256)]
test_x = rng.standard_normal((6, 5, 5, BANDS)).astype(np.float32)

# Keras 3.
import keras  # noqa: E402

keras.utils.set_random_seed(41)
m3 = build(keras.layers, keras.models, keras.Input(shape=(5, 5, BANDS)))
m3.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
m3.fit(train_x, train_y, batch_size=128, epochs=1, verbose=0)
m3.save(OUT / "keras3_cao.h5")
p3 = m3.predict(test_x, verbose=0)

# Keras 2 (tf_keras).
import tf_keras  # noqa: E402

tf_keras.utils.set_random_seed(7)
m2 = build(tf_keras.layers, tf_keras.models, tf_keras.layers.InputLayer(input_shape=(5, 5, BANDS)))
m2.compile(optimizer=tf_keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
m2.fit(train_x, train_y, batch_size=128, epochs=1, verbose=0)
m2.save(OUT / "keras2_cao.h5", save_format="h5")
p2 = m2.predict(test_x, verbose=0)

(OUT / "keras_cao_predictions.json").write_text(json.dumps({
    "keras3Version": keras.__version__,
    "keras2Version": tf_keras.__version__,
    "inputShape": list(test_x.shape),
    "input": [float(v) for v in test_x.ravel()],
    "keras3": [float(v) for v in p3.ravel()],
    "keras2": [float(v) for v in p2.ravel()],
}))
print("wrote", OUT / "keras3_cao.h5", OUT / "keras2_cao.h5", "and predictions")
