#!/usr/bin/env bash
# The test clock (docs/development.md#the-test-clock): TIDEMARK_TEST_CLOCK
# gives every command its "now": snapshot and ledger times, status ages and
# RPOs, drills due. A bad value is a usage error; every command run with it
# warns on stderr, even with -q; without it nothing changes.
# Usage: clock_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: clock_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
warning="tidemark: warning: TIDEMARK_TEST_CLOCK is set: the time is"

# 1. Unset: the system clock, and no warning.
unset TIDEMARK_TEST_CLOCK
expect 0 "version without the hook" -- "$T" version
if grep -q TIDEMARK_TEST_CLOCK err; then failed=$((failed + 1)); echo "FAIL: warning without the hook"
else passed=$((passed + 1)); fi

# 2. Values that are neither a time nor a file holding one: exit 2, one line
# naming the variable and what to set, before anything happens.
expect 2 "not a time" -- env TIDEMARK_TEST_CLOCK=tomorrow "$T" version
contains err "tidemark: error: TIDEMARK_TEST_CLOCK: 'tomorrow' is neither a time nor a readable file; set it to a UTC time such as 2026-11-21T10:00:00Z" "bad value named, fix given"
one_line "bad value"
printf 'soon\n' >bad-clock
expect 2 "file without a time" -- env TIDEMARK_TEST_CLOCK="$work/bad-clock" "$T" init
contains err "file $work/bad-clock holds 'soon', not a time" "bad file content named"
[ ! -e repo ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: init ran with a bad test clock"; }

# 3. A fixed instant in the variable itself: the warning (also under -q),
# the repository's ledger entry and the snapshot carry that time.
"$here/scripts/sample-crm" crm.db 50 >/dev/null
export TIDEMARK_TEST_CLOCK=2026-11-21T10:00:00Z
expect 0 "init at a fixed instant" -- "$T" -q init --kdf-memory 8 --kdf-iterations 1
contains err "$warning 2026-11-21T10:00:00Z, not the system clock's (a test hook; unset it)" "warning names the time, even with -q"
expect 0 "ledger" -- "$T" --json ledger show
json 'd[0]["action"] == "init" and d[0]["time"] == "2026-11-21T10:00:00Z"' "ledger entry at the injected time"

# 4. The clock in a file, advanced between commands.
use_test_clock 2026-11-21T10:00:00Z
cat >tidemark.toml <<'TOML'
[[source]]
name = "crm"
uri = "sqlite:crm.db"
rpo = "1h"
[[drill]]
name = "crm-daily"
source = "crm"
cadence = "1d"
TOML
expect 0 "backup at the injected time" -- "$T" --json backup crm
json 'd["time"] == "2026-11-21T10:00:00Z"' "backup reports the injected time"
first=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
expect 0 "show" -- "$T" --json show crm@latest
json 'd["time"] == "2026-11-21T10:00:00Z"' "snapshot time is the injected time"
expect 4 "status before a drill" -- "$T" --json status
json '[s for s in d["sources"] if s["name"] == "crm"][0]["backup"]["state"] == "ok"' "on time right after the backup"
expect 0 "drill" -- "$T" --json drill crm-daily
expect 0 "nothing due" -- "$T" --json drill --all --due
json 'd["ran"] == 0' "no drill due within its cadence"

advance_clock 1h
expect 0 "status at the RPO" -- "$T" --json status
json '[s for s in d["sources"] if s["name"] == "crm"][0]["backup"]["age_us"] == 3600000000' "age counted on the test clock"
advance_clock 1s
expect 4 "status late" -- "$T" --json status
json '[s for s in d["sources"] if s["name"] == "crm"][0]["backup"]["state"] == "late"' "late one second after the RPO"
expect 0 "backup --all --due" -- "$T" --json backup --all --due
json '[b["source"] for b in d["backups"]] == ["crm"] and d["backups"][0]["time"] == "2026-11-21T11:00:01Z"' "due, and stamped with the advanced time"
expect 0 "snapshot by time" -- "$T" --json show crm@2026-11-21T10:30:00Z
json 'd["id"] == "'"$first"'"' "crm@10:30 is the 10:00 snapshot"
expect 0 "status ok again" -- "$T" --json status
json 'd["ok"]' "within policy after the backup"

# A day later the drill is due, and it measures the snapshot's age (its
# RPO check) on the test clock too: 1 d, over the source's 1 h.
advance_clock 1d
expect 3 "drill due" -- "$T" --json drill --all --due
json 'd["ran"] == 1 and d["runs"][0]["rpo_achieved_us"] == 86400000000' "the daily drill is due a day later; snapshot age 1 d"
contains out '"detail":"1 d exceeds the source'"'"'s target of 1 h"' "RPO check on the test clock"
expect 0 "drill report time" -- "$T" --json ledger show
json 'any(e["action"] == "drill" and e["time"] == "2026-11-22T11:00:01Z" for e in d)' "drill recorded at the injected time"

# 5. Unset again: the system clock.
unset TIDEMARK_TEST_CLOCK
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
expect 0 "backup on the system clock" -- "$T" --json backup crm
after=$(date -u +%Y-%m-%dT%H:%M:%SZ)
json '"'"$before"'" <= d["time"] <= "'"$after"'"' "system time again"
if grep -q TIDEMARK_TEST_CLOCK err; then failed=$((failed + 1)); echo "FAIL: warning after unset"
else passed=$((passed + 1)); fi

finish clock_cli_test
