#!/usr/bin/env python3
"""LiteRT latency of the cao architecture (5x5xB), float and dynamic-range int8, beside hsiflow-bench.

Two interpreters are used, because TensorFlow (to build and convert the Keras model) and
ai-edge-litert (to run the .tflite files) live in separate venvs outside the repo:
    TF_PYTHON      python with tensorflow      (required; e.g. a venv's bin/python)
    LITERT_PYTHON  python with ai-edge-litert  (required)
Usage: scripts/litert-latency.py [--bands 200] [--threads 2] [--rounds 6]
Prints the median of the rounds' median µs per sample at batch 1, 4 and 128 for float and int8,
timed like HSIFlow's Latency.measure (fixed inputs, warm-up, median and p10/p90 per round).
"""
import json
import os
import subprocess
import sys
import tempfile

TF_PYTHON = os.environ.get("TF_PYTHON", "")
LITERT_PYTHON = os.environ.get("LITERT_PYTHON", "")

CONVERT = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
out, bands = sys.argv[1], int(sys.argv[2])
keras = tf.keras
m = keras.Sequential([
    keras.Input((5, 5, bands)),
    keras.layers.Conv2D(300, 3, activation="relu"), keras.layers.Conv2D(200, 3, activation="relu"),
    keras.layers.Flatten(), keras.layers.Dense(200), keras.layers.Dense(100), keras.layers.Dense(9, activation="softmax")])
for batch in (1, 4, 128):
    f = tf.function(lambda x: m(x), input_signature=[tf.TensorSpec([batch, 5, 5, bands], tf.float32)])
    for name, quantize in (("float", False), ("int8", True)):
        c = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], m)
        if quantize:
            c.optimizations = [tf.lite.Optimize.DEFAULT]  # dynamic-range: int8 weights, float activations
        open(os.path.join(out, f"{name}-{batch}.tflite"), "wb").write(c.convert())
'''

TIME = r'''
import json, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
out, bands, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(300)
sample = rng.uniform(-1, 1, (256, 5, 5, bands)).astype(np.float32)
runs = {}
for name in ("float", "int8"):
    for batch in (1, 4, 128):
        it = Interpreter(model_path=f"{out}/{name}-{batch}.tflite", num_threads=threads)
        it.allocate_tensors()
        runs[(name, batch)] = it
result = {}
for r in range(rounds):
    for (name, batch), it in runs.items():
        inp, outp = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
        batches = [sample[i * batch:(i + 1) * batch] for i in range(max(1, min(64, 256 // batch)))]
        for i in range(2):
            it.set_tensor(inp, batches[i % len(batches)]); it.invoke()
        repeats = 60 if batch == 1 else (30 if batch == 4 else 6)
        times = []
        for i in range(repeats):
            x = batches[i % len(batches)]
            t = time.perf_counter(); it.set_tensor(inp, x); it.invoke(); it.get_tensor(outp)
            times.append((time.perf_counter() - t) * 1e6 / batch)
        times.sort()
        q = lambda p: times[int(round((len(times) - 1) * p))]
        result.setdefault(f"{name}-{batch}", []).append((q(0.5), q(0.1), q(0.9)))
print(json.dumps(result))
'''


def main():
    args = dict(bands=200, threads=2, rounds=6)
    it = iter(sys.argv[1:])
    for a in it:
        key = a.lstrip("-")
        if key not in args:
            sys.exit(__doc__)
        args[key] = int(next(it))
    for py, what in ((TF_PYTHON, "tensorflow"), (LITERT_PYTHON, "ai-edge-litert")):
        if not os.access(py, os.X_OK):
            sys.exit(f"no python with {what} at {py or '(unset)'}; set {'TF_PYTHON' if what == 'tensorflow' else 'LITERT_PYTHON'}")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([TF_PYTHON, "-c", CONVERT, out, str(args["bands"])], check=True)
        done = subprocess.run([LITERT_PYTHON, "-c", TIME, out, str(args["bands"]), str(args["threads"]), str(args["rounds"])],
                              check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"LiteRT cao 5x5x{args['bands']}, {args['threads']} thread(s), µs per sample: "
          f"median of {args['rounds']} rounds' medians [p10…p90 over rounds]")
    for name in ("float", "int8"):
        cells = []
        for batch in (1, 4, 128):
            rounds = result[f"{name}-{batch}"]
            med = sorted(r[0] for r in rounds)[len(rounds) // 2]
            cells.append(f"batch {batch}: {med:.1f} [{min(r[1] for r in rounds):.1f}…{max(r[2] for r in rounds):.1f}]")
        print(f"  {name:6s} " + ", ".join(cells))


if __name__ == "__main__":
    main()
