#!/usr/bin/env bash
# SIGTERM and SIGINT during `tidemark backup` (docs/exit-codes.md, 130): the
# backup is paused at a known check point by the test hook
# TIDEMARK_TEST_PAUSE_AT (docs/guide/debugging.md), signalled there, and must
# exit 130 with no snapshot written, its lock released, a "backup" /
# "cancelled" ledger entry, and a repository that `check` passes; the next
# backup and a prune of what the cancelled one stored work as usual. The
# signal is sent once the paused process said where it is: no timing race.
# Usage: cancel_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: cancel_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
"$here/scripts/sample-crm" crm.db 2000 >/dev/null

# cancelled_backup SIGNAL POINT: a backup paused at POINT gets SIGNAL.
cancelled_backup() {
  rm -f paused
  TIDEMARK_TEST_PAUSE_AT=$2 TIDEMARK_TEST_PAUSE_FILE="$work/paused" \
    "$T" backup sqlite:crm.db --name crm </dev/null >bg.out 2>bg.err &
  local pid=$!
  wait_for_file paused 30 || { kill -KILL "$pid"; wait "$pid"; return; }
  check_eq "$(cat paused)" "$pid" "$1 at $2: the paused process is the backup"
  kill "-$1" "$pid"
  wait "$pid"
  check_eq "$?" 130 "$1 at $2: exit code"
  contains bg.err "tidemark: error: backup of crm cancelled (signal) at ${2%#*}: no snapshot was written" \
    "$1 at $2: the error says what happened"
  expect 0 "$1 at $2: no snapshot" -- "$T" --json snapshots
  json 'd == [] or d.get("snapshots") == []' "$1 at $2: no snapshot listed"
  expect 0 "$1 at $2: check passes" -- "$T" check --read-data
  expect 0 "$1 at $2: ledger" -- "$T" --json ledger show
  json '[e for e in d if e["action"] == "backup"][-1]["outcome"] == "cancelled" and "source crm" in [e for e in d if e["action"] == "backup"][-1]["targets"]' \
    "$1 at $2: the ledger tells the outcome"
}

# Between two tables (the first is stored), in a table, before the snapshot.
cancelled_backup TERM "backup-table#2"
cancelled_backup INT "backup-rows"
cancelled_backup TERM "backup-before-snapshot"

# The lock is released and the repository usable: a backup, then prune
# removes what the cancelled ones stored, and check still passes.
expect 0 "backup after the cancelled ones" -- "$T" backup sqlite:crm.db --name crm
expect 0 "prune" -- "$T" --json prune
expect 0 "check after prune" -- "$T" check --read-data
expect 0 "ledger after" -- "$T" --json ledger show
json '[e["outcome"] for e in d if e["action"] == "backup"] == ["cancelled"] * 3 + ["ok"]' \
  "three cancelled backups, then one ok"

# A malformed hook is refused before anything is done.
TIDEMARK_TEST_PAUSE_AT="backup-table#0" TIDEMARK_TEST_PAUSE_FILE=x \
  expect 2 "bad pause hook" -- "$T" backup sqlite:crm.db --name crm

finish cancel_cli
