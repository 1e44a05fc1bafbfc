#!/usr/bin/env python3
"""Generate a large experiment file of `sleep` test stages for engine performance figures.
`sleep` is a test-only kind: run the result with HSIFLOW_TEST_KINDS=1 set (scripts/perf.py does).

The DAG is layered: each stage needs one or two stages of the layer before (seeded choice), so it
has long chains, fan-out and fan-in. Usage:
    scripts/generate-experiment.py --stages 400 [--seconds 0] [--width 20] [--seed 1] > big.yaml
"""
import argparse
import random


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=0.0, help="work per stage")
    parser.add_argument("--width", type=int, default=20, help="stages per layer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    name = args.name or f"generated-{args.stages}"
    lines = [f"name: {name}", "seed: 1", "stages:"]
    previous: list[str] = []
    current: list[str] = []
    for i in range(args.stages):
        if len(current) == args.width:
            previous, current = current, []
        sid = f"s{i:04d}"
        fields = [f"kind: sleep", f"seconds: {args.seconds}", f"value: {i}"]
        if previous:
            needs = sorted(rng.sample(previous, k=min(len(previous), rng.choice([1, 2]))))
            fields.append("needs: [" + ", ".join(needs) + "]")
        lines.append(f"  {sid}: {{" + ", ".join(fields) + "}")
        current.append(sid)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
