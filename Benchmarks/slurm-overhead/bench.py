#!/usr/bin/env python3
"""Slurm executor overhead, measured side by side in one run on the cluster sinfo reaches.

- quickstart: cold run and no-op rerun, local executor vs Slurm executor (fresh caches);
- a 13-stage chain and a 100-stage fan-out of `sleep` stages (0.2 s each): wall time and
  overhead per stage, (wall - ideal) / stages, where ideal is the sleeping a perfect scheduler
  could not avoid (chain: 13 x 0.2 s; fan-out on C cores: ceil(100 / C) x 0.2 s);
- the same chain and fan-out with Snakemake + snakemake-executor-plugin-slurm (Snakefile beside
  this script), when SNAKEMAKE (a snakemake executable; default: `snakemake` on PATH) exists.

Every figure is a wall time measured here, now; ratios are against the local executor of the same
run. Usage (from the repository root, cluster up: scripts/slurm-cluster up):
    HSIFLOW_BIN=.build/release/hsiflow python3 Benchmarks/slurm-overhead/bench.py
"""
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("HSIFLOW_BIN", os.path.join(ROOT, ".build/release/hsiflow")))
SNAKEMAKE = os.environ.get("SNAKEMAKE") or shutil.which("snakemake") or "snakemake (set SNAKEMAKE)"
SECONDS = 0.2
CORES = os.cpu_count() or 1


def timed(cmd, cwd, env=None):
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "HSIFLOW_TEST_KINDS": "1", **(env or {})})
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, done


def chain_yaml(n):
    lines = ["name: chain", "stages:"]
    for i in range(n):
        needs = f", needs: s{i - 1:03d}" if i else ""
        lines.append(f"  s{i:03d}: {{kind: sleep, seconds: {SECONDS}, value: {i}{needs}}}")
    return "\n".join(lines) + "\n"


def fanout_yaml(n):
    lines = ["name: fanout", "stages:", "  root: {kind: sleep, value: root}"]
    for i in range(n - 1):
        lines.append(f"  s{i:03d}: {{kind: sleep, seconds: {SECONDS}, value: {i}, needs: root}}")
    return "\n".join(lines) + "\n"


def hsiflow_case(name, text, executor, tmp):
    d = os.path.join(tmp, f"{name}-{executor}")
    os.makedirs(d)
    with open(os.path.join(d, "exp.yaml"), "w") as f:
        f.write(text)
    args = [BIN, "run", "exp.yaml", "--quiet", "--executor", executor]
    if executor == "local":
        args += ["--jobs", str(CORES)]
    cold, _ = timed(args, d)
    # The no-op rerun is short and the machine noisy: the median of three.
    noop = sorted(timed(args, d)[0] for _ in range(3))[1]
    return cold, noop


def snakemake_case(name, n, tmp):
    d = os.path.join(tmp, f"{name}-snakemake")
    os.makedirs(d)
    shutil.copy(os.path.join(HERE, "Snakefile"), d)
    cmd = [SNAKEMAKE, "--executor", "slurm", "--jobs", "100", "--config", f"shape={name}", f"stages={n}",
           f"seconds={SECONDS}", "--default-resources", "slurm_partition=debug", "mem_mb=256", "runtime=10",
           # Snakemake's own defaults wait 40 s before the first status check and 10 s between
           # checks (a 3-stage chain took 178 s here); poll every second, as HSIFlow polls every 0.5 s.
           "--slurm-init-seconds-before-status-checks", "1", "--seconds-between-status-checks", "1",
           "--max-status-checks-per-second", "10", "--quiet", "all"]
    cold, _ = timed(cmd, d)
    noop, _ = timed(cmd, d)
    return cold, noop


def main():
    if subprocess.run(["sinfo"], capture_output=True).returncode != 0:
        sys.exit("no Slurm controller answers sinfo; start one with scripts/slurm-cluster up")
    tmp = tempfile.mkdtemp(prefix="hsiflow-slurm-bench-")
    try:
        with open(os.path.join(ROOT, "experiments/quickstart.yaml")) as f:
            quick = f.read()
        print(f"hsiflow: {BIN}; cores: {CORES}; stage work {SECONDS} s")
        print(f"{'case':<22}{'executor':<11}{'cold s':>9}{'no-op s':>9}{'ideal s':>9}{'overhead/stage s':>18}")
        ql_cold, ql_noop = hsiflow_case("quickstart", quick, "local", tmp)
        qs_cold, qs_noop = hsiflow_case("quickstart", quick, "slurm", tmp)
        print(f"{'quickstart (5)':<22}{'local':<11}{ql_cold:>9.2f}{ql_noop:>9.3f}")
        print(f"{'quickstart (5)':<22}{'slurm':<11}{qs_cold:>9.2f}{qs_noop:>9.3f}"
              f"   cold x{qs_cold / ql_cold:.2f}, no-op x{qs_noop / ql_noop:.2f} of local")
        shapes = [("chain", 13, chain_yaml(13), 13 * SECONDS),
                  ("fanout", 100, fanout_yaml(100), math.ceil(99 / CORES) * SECONDS)]
        for name, n, text, ideal in shapes:
            rows = [("local", *hsiflow_case(name, text, "local", tmp)), ("slurm", *hsiflow_case(name, text, "slurm", tmp))]
            if os.path.exists(SNAKEMAKE):
                rows.append(("snakemake", *snakemake_case(name, n, tmp)))
            for executor, cold, noop in rows:
                print(f"{name + f' ({n})':<22}{executor:<11}{cold:>9.2f}{noop:>9.3f}{ideal:>9.2f}{(cold - ideal) / n:>18.3f}")
        if not os.path.exists(SNAKEMAKE):
            print(f"(Snakemake not found at {SNAKEMAKE}: its rows are left out)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
