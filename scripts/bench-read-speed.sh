#!/usr/bin/env bash
# Issue 17's last "Done when" figure in one command: normal HDF5 reading now (the Swift HDF5 reader
# in process, the isolated reader for what it refuses) against the in-process build from before
# isolation, side by side (rounds alternate the two), for
# `hsiflow inspect` on the two Keras fixtures and the Indian Pines cube as .mat v7.3, then at
# function level (bench-readers: libhdf5 in process, the read `run` uses now, the isolated reader
# alone). Prints the load average and, per line, whether today's read is within 10 % of before.
#   scripts/bench-read-speed.sh BEFORE_HSIFLOW        (N=30 inspect rounds, REPEATS=20 by default)
# Needs a release build (.build/release/hsiflow, bench-readers) and the v7.3 cube at $CUBE (default
# /tmp/indian_pines_v73.mat; made here with reference/make_v73_cube.py when $PYTHON has h5py and
# $HSIFLOW_DATA holds indian_pines). Takes about a minute on a quiet machine.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BEFORE_HSIFLOW (the in-process hsiflow from before isolation)" >&2; exit 2; }
BEFORE=$1
cd "$(dirname "$0")/.."
NEW=.build/release/hsiflow
FIX=Tests/FileFormatsTests/Fixtures
CUBE=${CUBE:-/tmp/indian_pines_v73.mat}
PYTHON=${PYTHON:-${HSIFLOW_REF_PYTHON:-python3}}
[ -x "$NEW" ] && [ -x .build/release/bench-readers ] || { echo "build first: swift build -c release" >&2; exit 2; }
if [ ! -f "$CUBE" ]; then
  "$PYTHON" reference/make_v73_cube.py "${HSIFLOW_DATA:-/work/shared/datasets}/indian_pines/Indian_pines_corrected.npy" "$CUBE" \
    || { echo "no v7.3 cube at $CUBE and cannot make one (set CUBE or PYTHON)" >&2; exit 2; }
fi
cores=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg)
echo "machine: $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg): $(awk -v l="$load" -v c="$cores" \
  'BEGIN {print (l < c / 2 ? "quiet enough" : "BUSY: other work competes for the CPUs, so the ratios below are noisy")}')"
verdict() { awk '{print} / new\/old / {r = $NF; printf "  -> %s\n", (r <= 1.10 ? "within 10 %" : "MORE than 10 % slower")}'; }
ratio() { awk 'NF == 6 && $2 ~ /^[0-9.]+$/ {print; printf "  -> now: %s\n", ($4 <= 1.10 ? "within 10 %" : "MORE than 10 % slower"); next} {print}'; }
echo "== hsiflow inspect, before (old) against this build (new), N=${N:-30} rounds"
N=${N:-30} scripts/bench-inspect.sh "$BEFORE" "$NEW" "$FIX/keras2_cao.h5" "$FIX/keras3_cao.h5" "$CUBE" | verdict
echo "== function level: libhdf5 in process (before) against the read HSIFlow does now (the Swift reader) and the isolated reader alone (bench-readers --repeats ${REPEATS:-20})"
.build/release/bench-readers --repeats "${REPEATS:-20}" "$FIX/keras2_cao.h5" "$FIX/keras3_cao.h5" "$FIX/hsiflow_small.h5" "$CUBE" | ratio
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
