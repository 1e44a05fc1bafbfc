#!/usr/bin/env python3
"""Print the critical path of a run from its manifest: the chain of stages (through `needs`) whose
seconds add up the most, beside the sum of all stage seconds and the run's wall time.

The seconds are each stage's own work as the manifest records it (a cached stage keeps the seconds
of the run that made it). With C cores a run cannot take less than max(critical path, sum / C).
Usage:
    scripts/critical-path.py results/indian-pines/manifest.json [--cores 2]
    scripts/critical-path.py results/<name>/runs/<run-id>/manifest.json
"""
import argparse
import json
import os
import sys


def load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        sys.exit(f"{path}: cannot read the manifest ({error})")
    # A short run record (a no-op run) points at the full manifest it reused.
    if "stages" not in manifest and isinstance(manifest.get("manifest"), dict):
        target = os.path.join(os.path.dirname(path), manifest["manifest"].get("path", ""))
        return load(os.path.normpath(target))
    if not isinstance(manifest.get("stages"), list):
        sys.exit(f"{path}: not a run manifest (no 'stages' list)")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    manifest = load(args.manifest)
    stages = {s["id"]: s for s in manifest["stages"]}
    seconds = {i: float(s.get("seconds") or 0) for i, s in stages.items()}
    # Longest path ending at each stage, in the manifest's (dependency) order.
    finish: dict[str, float] = {}
    before: dict[str, str | None] = {}
    for i, s in stages.items():
        needs = [n for n in s.get("needs", []) if n in finish]
        best = max(needs, key=lambda n: finish[n], default=None)
        finish[i] = seconds[i] + (finish[best] if best else 0)
        before[i] = best
    if not finish:
        sys.exit(f"{args.manifest}: the manifest has no stages")
    end = max(finish, key=lambda i: finish[i])
    path = []
    while end is not None:
        path.append(end)
        end = before[end]
    path.reverse()
    total = sum(seconds.values())
    print(f"manifest: {args.manifest} (run {manifest.get('runID', '?')})")
    print("critical path:")
    for i in path:
        print(f"  {seconds[i]:8.2f} s  {i} ({stages[i].get('kind', '?')}, {stages[i].get('status', '?')})")
    critical = finish[path[-1]]
    print(f"critical path  {critical:8.2f} s over {len(path)} stages")
    print(f"sum of stages  {total:8.2f} s over {len(stages)} stages; / {args.cores} cores = {total / args.cores:.2f} s")
    print(f"lower bound    {max(critical, total / args.cores):8.2f} s on {args.cores} cores")
    wall = (manifest.get("summary") or {}).get("seconds")
    if wall is not None:
        print(f"run wall time  {float(wall):8.2f} s (summary.seconds)")
    print("slowest stages:")
    for i in sorted(seconds, key=lambda i: -seconds[i])[:8]:
        print(f"  {seconds[i]:8.2f} s  {i}")


if __name__ == "__main__":
    main()
