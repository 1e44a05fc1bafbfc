#!/usr/bin/env bash
# Times `hsiflow inspect FILE` for two hsiflow binaries, alternating which goes first each round so
# a change in the machine's load hits both alike, and prints the medians (ms) and new/old.
#   scripts/bench-inspect.sh OLD_HSIFLOW NEW_HSIFLOW FILE... (N=30 rounds by default)
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OLD_HSIFLOW NEW_HSIFLOW FILE..." >&2; exit 2; }
OLD=$1; NEW=$2; shift 2; N=${N:-30}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
for f in "$@"; do
  old=(); new=()
  for i in $(seq "$N"); do
    if [ $((i % 2)) = 0 ]; then order=(old new); else order=(new old); fi
    for which in "${order[@]}"; do
      if [ "$which" = old ]; then bin=$OLD; else bin=$NEW; fi
      s=$(date +%s%N); "$bin" inspect "$f" >/dev/null 2>&1 || { echo "FAIL: $bin inspect $f" >&2; exit 1; }; e=$(date +%s%N)
      if [ "$which" = old ]; then old+=($(( (e - s) / 1000 ))); else new+=($(( (e - s) / 1000 ))); fi
    done
  done
  mo=$(printf '%s\n' "${old[@]}" | median); mn=$(printf '%s\n' "${new[@]}" | median)
  awk -v f="$(basename "$f")" -v o="$mo" -v n="$mn" 'BEGIN {printf "%-28s old %8.1f ms  new %8.1f ms  new/old %.2f\n", f, o / 1000, n / 1000, n / o}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
