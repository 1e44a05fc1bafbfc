"""Runs a .tflite model in LiteRT on a batch of inputs: the interop check of HSIFlow's .tflite export.

Usage: python reference/litert_run.py MODEL.tflite INPUTS.npy OUTPUTS.npy
Resizes the model's input to the batch (N x ...), runs it once with 2 threads, and saves the output
(N x classes, float32). Exits 2 with a message when the model does not load or does not fit the inputs.
Needs ai-edge-litert and numpy (e.g. /work/venvs/litert: python3 -m venv, pip install ai-edge-litert numpy).
"""
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main(model_path, inputs_path, outputs_path):
    x = np.load(inputs_path).astype(np.float32)
    try:
        it = Interpreter(model_path=model_path, num_threads=2)
        detail = it.get_input_details()[0]
        it.resize_tensor_input(detail["index"], list(x.shape))
        it.allocate_tensors()
        it.set_tensor(detail["index"], x)
        it.invoke()
    except Exception as error:  # LiteRT raises ValueError/RuntimeError with its own message
        print(f"{model_path}: LiteRT could not run the model: {error}", file=sys.stderr)
        return 2
    np.save(outputs_path, it.get_tensor(it.get_output_details()[0]["index"]).astype(np.float32))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
