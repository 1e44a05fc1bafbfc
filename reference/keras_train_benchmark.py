"""Keras/TensorFlow training throughput of the cao model, for comparison with hsiflow-bench.

Same model, batch 128, 5x5xB seeded random inputs, Adam; TensorFlow limited to THREADS threads
(default 2, as hsiflow-bench).

Standalone: prints samples/s for B = 200 and 100 (fastest and median step; fastest of 3 epochs of
40 steps).
  Run: $HSIFLOW_KERAS_PYTHON reference/keras_train_benchmark.py [THREADS]

Served (`--serve`, what `hsiflow-bench --versus-keras` / scripts/bench-train start): builds and
warms up both models, prints "ready", then for every stdin line "BANDS STEPS" trains STEPS + 1
batches (one model.fit epoch) and prints one line "steps BANDS CPU t1 ... tSTEPS": the process' CPU
seconds over the epoch and the wall seconds between consecutive batch ends (steady-state steps,
data feeding included; the first batch, which pays for the epoch's set-up, only starts the clock).
The caller alternates these rounds with its own, so both sides see the same machine load.
  Run: $HSIFLOW_KERAS_PYTHON reference/keras_train_benchmark.py --serve [THREADS]
"""
import os
import sys
import time

serve = "--serve" in sys.argv[1:]
positional = [a for a in sys.argv[1:] if a != "--serve"]
threads = int(positional[0]) if positional else 2
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras  # noqa: E402


class Timer(keras.callbacks.Callback):
    """Wall time of every training batch and every epoch."""

    def __init__(self):
        super().__init__()
        self.steps, self.epochs, self.ends = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.e0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(time.perf_counter() - self.e0)

    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())
        self.steps.append(self.ends[-1] - self.t0)


def build(bands, n):
    """The cao model for 5x5xBANDS patches, compiled and warmed up, with n seeded samples."""
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
    rng = np.random.RandomState(0)
    x = rng.uniform(-1, 1, (n, 5, 5, bands)).astype(np.float32)
    y = np.eye(9, dtype=np.float32)[rng.randint(0, 9, n)]
    model.fit(x[:512], y[:512], batch_size=128, epochs=1, verbose=0)  # warm-up (graph tracing)
    return model, x, y


if serve:
    n = 128 * 40
    models = {bands: build(bands, n) for bands in (200, 100)}
    for model, x, y in models.values():  # a second warm-up: the first fit of a new size retraces
        model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0, shuffle=False)
    print(f"ready Keras {keras.__version__} / TF {tf.__version__}, {threads} threads", flush=True)
    for line in sys.stdin:
        fields = line.split()
        if not fields:
            continue
        bands, steps = int(fields[0]), max(1, min(int(fields[1]), n // 128 - 1))
        model, x, y = models[bands]
        timer = Timer()
        cpu0 = time.process_time()
        model.fit(x[:(steps + 1) * 128], y[:(steps + 1) * 128], batch_size=128, epochs=1, verbose=0,
                  shuffle=False, callbacks=[timer])
        cpu = time.process_time() - cpu0
        intervals = [b - a for a, b in zip(timer.ends, timer.ends[1:])]
        print("steps", bands, f"{cpu:.6f}", " ".join(f"{t:.6f}" for t in intervals), flush=True)
    sys.exit(0)

for bands in (200, 100):
    n = 128 * 40
    model, x, y = build(bands, n)
    timer = Timer()
    cpu0 = time.process_time()
    model.fit(x, y, batch_size=128, epochs=3, verbose=0, shuffle=False, callbacks=[timer])
    cpu = time.process_time() - cpu0
    t = sorted(timer.steps)
    print(f"Keras {keras.__version__} / TF {tf.__version__}, {threads} threads: cao train 5x5x{bands}, batch 128: "
          f"fastest step {128 / t[0]:.0f} samples/s, median step {128 / t[len(t) // 2]:.0f} samples/s, "
          f"fastest of 3 epochs ({n // 128} steps each) {n / min(timer.epochs):.0f} samples/s, "
          f"{3 * n / cpu:.0f} samples per CPU-second")
