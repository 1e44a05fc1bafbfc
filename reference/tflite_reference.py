"""TFLite's own conversion of a small cao-shaped Keras model, the reference HSIFlow's .tflite export is checked against.

The cao topology (Conv2D 3x3 valid ReLU -> Conv2D 3x3 valid ReLU -> Flatten -> Dense -> Dense ->
Dense softmax) with 24/16 filters, 64/32 dense units and 30 bands, so the fixtures stay small.
Trained a few epochs on a seeded synthetic problem (each class a mean spectrum, patches = mean +
Gaussian noise) so its predictions are confident, then converted by tf.lite.TFLiteConverter with
Optimize.DEFAULT and no representative data: TFLite's dynamic-range quantization (int8 weights per
output channel, float activations). Writes into Tests/TFLiteTests/Fixtures/:
  cao30.h5                  the Keras model (legacy HDF5, as HSIFlow reads it)
  cao30_dynamic_int8.tflite TFLite's dynamic-range int8 conversion
  cao30_float.tflite        TFLite's float conversion (for reference)
  cao30_class_means.npy     the 5 class mean spectra (5 x 30, float32): tests draw inputs as mean + noise
Run: /work/venvs/tf/bin/python reference/tflite_reference.py  (needs tensorflow-cpu, h5py)
"""
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/TFLiteTests/Fixtures"
BANDS, CLASSES, NOISE = 30, 5, 0.6

rng = np.random.RandomState(41)
means = rng.standard_normal((CLASSES, BANDS)).astype(np.float32)


def draw(n):
    y = rng.randint(0, CLASSES, n)
    x = means[y][:, None, None, :] + NOISE * rng.standard_normal((n, 5, 5, BANDS))
    return x.astype(np.float32), np.eye(CLASSES, dtype=np.float32)[y]


keras.utils.set_random_seed(41)
L = keras.layers
model = keras.models.Sequential([
    keras.Input(shape=(5, 5, BANDS)),
    L.Conv2D(24, (3, 3), padding="valid", activation="relu", name="conv1"),
    L.Conv2D(16, (3, 3), padding="valid", activation="relu", name="conv2"),
    L.Flatten(name="flatten"),
    L.Dense(64, name="dense1"),
    L.Dense(32, name="dense2"),
    L.Dense(CLASSES, activation="softmax", name="predictions"),
], name="cao")
model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"])
x, y = draw(2000)
model.fit(x, y, batch_size=128, epochs=3, verbose=0)
tx, ty = draw(500)
print("keras accuracy on fresh draws:", float((model.predict(tx, verbose=0).argmax(1) == ty.argmax(1)).mean()))

OUT.mkdir(parents=True, exist_ok=True)
model.save(OUT / "cao30.h5", include_optimizer=False)
np.save(OUT / "cao30_class_means.npy", means)

converter = tf.lite.TFLiteConverter.from_keras_model(model)
(OUT / "cao30_float.tflite").write_bytes(converter.convert())
converter = tf.lite.TFLiteConverter.from_keras_model(model)
converter.optimizations = [tf.lite.Optimize.DEFAULT]
(OUT / "cao30_dynamic_int8.tflite").write_bytes(converter.convert())
for name in ["cao30.h5", "cao30_float.tflite", "cao30_dynamic_int8.tflite"]:
    print(name, (OUT / name).stat().st_size, "bytes")
