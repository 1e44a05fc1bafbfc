#!/usr/bin/env bash
# Crash consistency of the cache: SIGKILL `hsiflow run` at random moments (TRIALS, default 25),
# then check that no object is corrupt, the lock is free (--no-wait succeeds), the next run
# completes, reuses every stage that had finished before the kill, and leaves no temp files.
# Usage: scripts/crash-test.sh            (HSIFLOW_BIN=path/to/hsiflow, TRIALS=n, SEED=n to vary)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${HSIFLOW_BIN:-$ROOT/.build/debug/hsiflow}
TRIALS=${TRIALS:-25}
SEED=${SEED:-41}
PY=${PYTHON:-python3}
BIN=$(cd "$(dirname "$BIN")" 2>/dev/null && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "no hsiflow binary at $BIN; run swift build first (or set HSIFLOW_BIN)" >&2; exit 2; }
export HSIFLOW_TEST_KINDS=1   # the experiment below is made of the test-only `sleep` kind

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > crash.yaml <<'YAML'
name: crash
matrix:
  k: [1, 2, 3, 4]
stages:
  root: {kind: sleep, seconds: 0.05, bytes: 4000000}
  mid: {kind: sleep, needs: root, seconds: 0.08, value: "${k}", bytes: 2000000}
  leaf: {kind: sleep, needs: mid, seconds: 0.03, bytes: 1000000}
  side: {kind: sleep, seconds: 0.1, value: side, bytes: 3000000}
YAML

RANDOM=$SEED
reused_total=0
interrupted=0
for trial in $(seq 1 "$TRIALS"); do
    # A new seed per trial gives every stage a new key, so each trial has work in flight.
    set_seed="seed=$((SEED * 1000 + trial))"
    delay=$(printf '0.%03d' $((RANDOM % 1000)))
    "$BIN" run crash.yaml --set "$set_seed" --jobs 2 --quiet &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true

    "$BIN" plan crash.yaml --set "$set_seed" --json > plan.json
    verify=$("$BIN" cache verify)
    case "$verify" in
        *" 0 corrupt"*) ;;
        *) echo "trial $trial: corrupt objects after kill at ${delay}s: $verify" >&2; exit 1 ;;
    esac
    # --no-wait: a lock left behind by the killed run would make this fail.
    "$BIN" run crash.yaml --set "$set_seed" --jobs 2 --no-wait --json > manifest.json
    reused=$("$PY" - plan.json manifest.json <<'PYCHECK'
import json, sys
plan = json.load(open(sys.argv[1]))
manifest = json.load(open(sys.argv[2]))
status = {s["id"]: s for s in manifest["stages"]}
reused = [p["id"] for p in plan if p["action"] == "reuse"]
for sid in reused:
    assert status[sid]["status"] == "cached", f"{sid} finished before the kill but was not reused: {status[sid]}"
for s in manifest["stages"]:
    assert s["status"] in ("ran", "cached"), f"{s['id']} ended {s['status']}: {s.get('error')}"
    assert "corrupt" not in s["reason"], f"{s['id']} read a corrupt object: {s['reason']}"
print(len(reused))
PYCHECK
)
    leftovers=$(ls .hsiflow/cache/tmp | wc -l)
    [ "$leftovers" -eq 0 ] || { echo "trial $trial: $leftovers temp files left" >&2; exit 1; }
    reused_total=$((reused_total + reused))
    [ "$reused" -eq 10 ] || interrupted=$((interrupted + 1))
    echo "trial $trial: killed after ${delay}s, $reused of 10 stages had finished and were reused"
done
echo "crash test passed: $TRIALS trials ($interrupted interrupted before finishing), $reused_total finished stages reused, no corrupt object, no stale lock"
