#!/usr/bin/env python3
"""Engine no-op benchmark: a generated experiment of STAGES `sleep` stages (0 s each), run cold
once, rerun once (that rerun is written in full: its stages turn from ran to cached), then timed
over N no-op runs. Prints the load average, the median wall time and ms per stage, the bytes a
no-op writes under results/ (files new or changed by it), and the verdict against the target
(no-op <= 1 s at 10,000 stages). With --baseline OLD_HSIFLOW the same no-op is timed for both
binaries in alternating rounds (A, B, B, A, ...) over one shared cache, each with its own results
folder, and new/old is printed.

    scripts/bench-engine.py [--hsiflow .build/release/hsiflow] [--baseline /tmp/hsiflow-old]
                            [--stages 10000] [--rounds 5] [--target 1.0] [--keep DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def snapshot(root: str) -> dict[str, tuple[int, int]]:
    """path -> (mtime ns, size) of every file under root."""
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            st = os.stat(path)
            out[path] = (st.st_mtime_ns, st.st_size)
    return out


def written(before: dict, after: dict) -> tuple[int, list[str]]:
    changed = [p for p, v in after.items() if before.get(p) != v]
    return sum(after[p][1] for p in changed), changed


def run(binary: str, yaml: str, cache: str, results: str, env: dict) -> float:
    start = time.perf_counter()
    proc = subprocess.run([binary, "run", "-q", yaml, "--cache", cache, "--results", results],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"FAIL: {binary} run {yaml} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hsiflow", default=os.path.join(HERE, "..", ".build", "release", "hsiflow"))
    parser.add_argument("--baseline", help="an older hsiflow binary to time in alternating rounds")
    parser.add_argument("--stages", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--target", type=float, default=1.0, help="seconds a no-op may take (at 10,000 stages)")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary one, removed)")
    parser.add_argument("--tmp", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where the temporary folder goes (default: /dev/shm, a memory filesystem, so the cold "
                             "run's 2 fsyncs per stage do not take minutes; the no-op reads from the page cache either way)")
    args = parser.parse_args()
    binaries = {"new": os.path.abspath(args.hsiflow)}
    if args.baseline:
        binaries["old"] = os.path.abspath(args.baseline)
    for name, path in binaries.items():
        if not os.access(path, os.X_OK):
            sys.exit(f"{path}: no hsiflow binary there ({name}); build with swift build -c release")
    work = args.keep or tempfile.mkdtemp(prefix="hsiflow-bench-engine-", dir=args.tmp)
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, HSIFLOW_TEST_KINDS="1")
    env.pop("HSIFLOW_CACHE", None)
    try:
        yaml = os.path.join(work, "generated.yaml")
        with open(yaml, "w", encoding="utf-8") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "generate-experiment.py"), "--stages", str(args.stages),
                            "--seconds", "0", "--name", "bench-engine"], stdout=f, check=True)
        cache = os.path.join(work, "cache")
        results = {name: os.path.join(work, f"results-{name}") for name in binaries}
        print(f"load average before: {load()}")
        print(f"experiment: {args.stages} sleep stages (0 s each), {os.path.getsize(yaml):,} bytes of YAML, in {work}")
        cold = run(binaries["new"], yaml, cache, results["new"], env)
        print(f"cold run (new): {cold:.2f} s, {cold / args.stages * 1000:.3f} ms/stage")
        for name in binaries:
            before = snapshot(results[name])
            first = run(binaries[name], yaml, cache, results[name], env)
            size, _ = written(before, snapshot(results[name]))
            print(f"first rerun ({name}, written in full: stages turn cached): {first:.2f} s, {size:,} bytes written")
        times = {name: [] for name in binaries}
        sizes = {name: [] for name in binaries}
        names = list(binaries)
        for r in range(args.rounds):
            for name in (names if r % 2 == 0 else names[::-1]):
                before = snapshot(results[name])
                times[name].append(run(binaries[name], yaml, cache, results[name], env))
                sizes[name].append(written(before, snapshot(results[name]))[0])
        print(f"no-op runs: {args.rounds} per binary, alternating")
        for name in binaries:
            median = statistics.median(times[name])
            print(f"  {name}: median {median:.3f} s (min {min(times[name]):.3f}, max {max(times[name]):.3f}), "
                  f"{median / args.stages * 1000:.4f} ms/stage, bytes written per no-op: median {int(statistics.median(sizes[name])):,}")
        new = statistics.median(times["new"])
        if "old" in binaries:
            print(f"  new/old: {new / statistics.median(times['old']):.3f}")
        print(f"load average after: {load()}")
        scaled = args.target * args.stages / 10000
        verdict = "met" if new <= scaled else "NOT met"
        print(f"verdict: no-op {new:.3f} s at {args.stages} stages, target <= {scaled:.2f} s: {verdict}; "
              f"a no-op writes {int(statistics.median(sizes['new'])):,} bytes")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
