"""Keras/TensorFlow training throughput of the cao model, for comparison with hsiflow-bench.

Same model, batch 128, 5x5xB seeded random inputs, Adam; TensorFlow limited to THREADS threads
(default 2, as hsiflow-bench). Prints samples/s for B = 200 and 100 (fastest and median step; fastest of 3 epochs of 40 steps).
Run: /work/venv/bin/python reference/keras_train_benchmark.py [THREADS]
"""
import os
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras  # noqa: E402

for bands in (200, 100):
    keras.utils.set_random_seed(41)
    model = keras.Sequential([
        keras.Input(shape=(5, 5, bands)),
        keras.layers.Conv2D(300, 3, activation="relu"),
        keras.layers.Conv2D(200, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(200),
        keras.layers.Dense(100),
        keras.layers.Dense(9, activation="softmax"),
    ], name="cao")
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy")
    n = 128 * 40
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (n, 5, 5, bands)).astype(np.float32)
    y = np.eye(9, dtype=np.float32)[rng.randint(0, 9, n)]
    model.fit(x[:512], y[:512], batch_size=128, epochs=1, verbose=0)  # warm-up (graph tracing)

    class Timer(keras.callbacks.Callback):
        """Wall time of every training batch and every epoch."""
        def __init__(self):
            super().__init__()
            self.steps, self.epochs = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.e0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(time.perf_counter() - self.e0)

        def on_train_batch_begin(self, batch, logs=None):
            self.t0 = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.steps.append(time.perf_counter() - self.t0)

    timer = Timer()
    cpu0 = time.process_time()
    model.fit(x, y, batch_size=128, epochs=3, verbose=0, shuffle=False, callbacks=[timer])
    cpu = time.process_time() - cpu0
    t = sorted(timer.steps)
    print(f"Keras {keras.__version__} / TF {tf.__version__}, {threads} threads: cao train 5x5x{bands}, batch 128: "
          f"fastest step {128 / t[0]:.0f} samples/s, median step {128 / t[len(t) // 2]:.0f} samples/s, "
          f"fastest of 3 epochs ({n // 128} steps each) {n / min(timer.epochs):.0f} samples/s, "
          f"{3 * n / cpu:.0f} samples per CPU-second")
