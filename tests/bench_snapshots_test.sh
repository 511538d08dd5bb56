#!/usr/bin/env bash
# bench/snapshots at a tiny SCALE: the script runs every step (each one checks
# its own result: restores equal the original, diffs count what changed, ...)
# and the table it writes has every row with a tidemark number. Not a timed
# test: no number is compared with anything. Needs restic, borg, sqldiff and
# GNU time (scripts/install-deps). About 30 s, most of it restic and borg.
T=$(realpath "$1")
source "$(dirname "$0")/cli_testlib.sh"

SCALES=0.001 HISTORY=3 OUT="$work/results.md" TMPDIR="$work" NOTE="smoke test" \
  bash "$here/bench/snapshots" "$T" >out 2>err
code=$?
check_eq "$code" 0 "bench/snapshots runs at SCALE=0.001"
[ "$code" -eq 0 ] || tail -20 err

rows=(
  "full backup, wall" "full backup, stored"
  "incremental after 0.1 % scattered change, wall" "incremental 0.1 %, stored"
  "incremental after 1 %, wall" "incremental 1 %, stored"
  "full restore to a working database" "floor: sqlite3 copies the rows" "full restore against the floor"
  "restore of one table (customers, 1,000 rows)"
  "check --read-data" "diff of the two snapshots (0.1 %)" "diff of the two snapshots (1 %), --json"
  "diff against live, nothing changed" "history of one record over 3 snapshots"
  "anomaly detection in the incremental after 0.1 %" "anomaly detection in the incremental after 1 %"
  "drill: its restore" "drill: restore + checks" "rollback of"
  "peak RSS: full backup" "peak RSS: incremental backup (0.1 %)" "peak RSS: incremental backup (1 %)"
  "peak RSS: restore |" "peak RSS: restore of one table" "peak RSS: diff (1 %, --json)"
  "peak RSS: diff against live" "peak RSS: rollback" "peak RSS: drill" "peak RSS: check --read-data"
)
for r in "${rows[@]}"; do
  # The row exists and its tidemark cell holds a number with a unit.
  if grep -F -- "| $r" "$work/results.md" | grep -qE '^\| [^|]+ \| [0-9.]+ (s|MiB) \|'; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: no row '$r' with a tidemark number"
  fi
done
contains "$work/results.md" "SCALE=0.001: database" "the scale's database and row counts"
contains "$work/results.md" "11,000 records: 1,000 customers, 3,000 orders, 7,000 order items" "row counts"
contains "$work/results.md" "restic 0.14" "tool versions"
contains "$work/results.md" "Note: smoke test" "the note"
contains "$work/results.md" "sqlite3 .dump" "the restore was checked by its dump"
contains "$work/results.md" "full restore, by phase (restore --json): rows loaded" "the restore's phases"
finish bench_snapshots_test
