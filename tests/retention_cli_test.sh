#!/usr/bin/env bash
# End-to-end test of retention through the real binary: forget (policies,
# --dry-run, --json, --prune), legal holds, prune, and append-only
# repositories and keys (refusals exit 5 and are recorded in the ledger).
# Usage: retention_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: retention_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

snapshot_count() { "$T" --json snapshots | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }
last_ledger() {  # the newest ledger entry as JSON in out
  "$T" --json ledger show >out 2>err
  python3 -c "import json; d=json.load(open('out')); json.dump(d[-1], open('out','w'))"
}

"$here/scripts/sample-crm" crm.db 100 >/dev/null
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
for i in 1 2 3 4; do
  sqlite3 crm.db "UPDATE orders SET status='s$i' WHERE id % 4 = $((i % 4))"
  expect 0 "backup $i" -- "$T" --json backup sqlite:crm.db --tag "t$i"
  ids[$i]=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
done

# Usage errors: no rule, bad duration, bad count, bad grouping.
expect 2 "forget without rules" -- "$T" forget
contains err "no retention rule" "no rule message"
expect 2 "bad --keep-within" -- "$T" forget --keep-within 3w
contains err "unknown unit" "bad duration message"
expect 2 "bad count" -- "$T" forget --keep-last -5
expect 2 "bad group" -- "$T" forget --keep-last 1 --group-by host

# Holds.
expect 0 "hold add" -- "$T" --json hold add "${ids[1]:0:10}" --reason "litigation 17"
json 'd["snapshot"] == "'"${ids[1]}"'" and d["reason"] == "litigation 17"' "hold add json"
expect 2 "hold add without reason" -- "$T" hold add "${ids[2]}"
expect 4 "hold twice" -- "$T" hold add "${ids[1]}" --reason again
contains err "already held" "hold twice message"
expect 0 "hold list" -- "$T" --json hold list
json 'len(d) == 1 and d[0]["reason"] == "litigation 17" and d[0]["actor"] and d[0]["time"]' "hold list json"

# Forget: dry run first, then for real; the held snapshot stays.
expect 0 "forget dry run" -- "$T" --json forget --keep-last 1 --dry-run
json 'd["dry_run"] and d["removed"] == 2 and d["kept"] == 2' "dry run counts"
json '[s["reasons"] for s in d["groups"][0]["snapshots"] if s["keep"]] == [["last"], ["hold"]]' "rules that kept each"
[ "$(snapshot_count)" = 4 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: dry run removed snapshots"; }
expect 0 "forget" -- "$T" forget --keep-last 1
contains out "keep    ${ids[1]:0:12}" "held snapshot listed as kept"
contains out "hold" "kept by hold"
[ "$(snapshot_count)" = 2 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: forget left $(snapshot_count) snapshots"; }
last_ledger
json 'd["action"] == "forget" and d["counts"]["removed"] == 2 and any(t.startswith("removed ") for t in d["targets"])' "forget ledger entry"

# Prune.
expect 0 "prune dry run" -- "$T" --json prune --dry-run
json 'd["unused_blobs"] > 0 and d["would_delete_packs"] + d["would_repack_packs"] > 0' "prune dry run json"
expect 0 "prune" -- "$T" --json prune
json 'd["blobs_deleted"] > 0 and d["waiting_for"] == [] and d["marks_swept"] == 1' "prune json"
last_ledger
json 'd["action"] == "prune" and d["outcome"] == "ok" and d["counts"]["blobs_deleted"] > 0' "prune ledger entry"
expect 2 "bad --max-unused" -- "$T" prune --max-unused 150%
expect 0 "check after prune" -- "$T" check --read-data
expect 0 "restore held" -- "$T" restore "${ids[1]}" --to sqlite:held.db
expect 0 "restore latest" -- "$T" restore latest --to sqlite:latest.db

# Releasing the hold is recorded with its reason; then forget --prune.
expect 0 "hold remove" -- "$T" hold remove "${ids[1]:0:10}" --reason "case closed"
last_ledger
json 'd["action"] == "hold.remove" and "litigation 17" in d["args"]["reason"] and "case closed" in d["args"]["reason"]' "hold remove ledger"
expect 0 "forget --prune" -- "$T" --json forget --keep-last 1 --prune
json 'd["removed"] == 1 and d["prune"]["blobs_deleted"] > 0' "forget --prune ran prune"
[ "$(snapshot_count)" = 1 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: forget --prune left $(snapshot_count)"; }
expect 0 "check after forget --prune" -- "$T" check --read-data
expect 0 "ledger verify" -- "$T" ledger verify

# An append-only key of this repository: deletes refused (exit 5), recorded.
echo ao2 >ao.pw
expect 0 "key add --append-only" -- "$T" --json key add --append-only --kdf-memory 8 --kdf-iterations 1 --new-password-file ao.pw
json 'd["append_only"] == True' "key add json"
expect 0 "key list" -- "$T" --json key list
json 'sum(1 for k in d if k["append_only"]) >= 1' "key list shows append-only"
expect 0 "backup with append-only key" -- env TIDEMARK_PASSWORD=ao2 "$T" backup sqlite:crm.db
expect 5 "forget with append-only key" -- env TIDEMARK_PASSWORD=ao2 "$T" forget --keep-last 1
contains err "append-only" "forget refusal message"
expect 0 "dry run allowed" -- env TIDEMARK_PASSWORD=ao2 "$T" forget --keep-last 1 --dry-run
expect 5 "prune with append-only key" -- env TIDEMARK_PASSWORD=ao2 "$T" prune
expect 0 "hold add with append-only key" -- env TIDEMARK_PASSWORD=ao2 "$T" hold add latest --reason audit
expect 5 "hold remove with append-only key" -- env TIDEMARK_PASSWORD=ao2 "$T" hold remove latest
expect 5 "key remove with append-only key" -- env TIDEMARK_PASSWORD=ao2 "$T" key remove "$("$T" --json key list | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin) if k["current"]][0])')"
last_ledger
json 'd["action"] == "key.remove" and d["outcome"] == "refused"' "key remove refusal recorded"
"$T" --json ledger show >out 2>err
json 'sum(1 for e in d if e["outcome"] == "refused") == 4' "every refusal is in the ledger"

# An append-only repository: the same refusals, files never removed.
export TIDEMARK_REPOSITORY="$work/ao-repo"
expect 0 "init --append-only" -- "$T" --json init --append-only --kdf-memory 8 --kdf-iterations 1
json 'd["append_only"] == True' "init json"
expect 0 "backup 1" -- "$T" backup sqlite:crm.db
sqlite3 crm.db "UPDATE orders SET status='z'"
expect 0 "backup 2" -- "$T" backup sqlite:crm.db
files() { find "$work/ao-repo" -type f | grep -v -e /locks/ -e /ledger/ | sort | xargs md5sum; }
before=$(files)
expect 5 "forget refused" -- "$T" forget --keep-last 1
expect 5 "prune refused" -- "$T" prune
after=$(files)
[ "$after" = "$before" ] && [ "$(snapshot_count)" = 2 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: append-only repository changed"; }
expect 0 "check append-only" -- "$T" check --read-data

# Killed processes (fault campaign): a backup killed after writing its
# snapshot leaves a stale lock (dead pid) and an unrecorded snapshot.
export TIDEMARK_REPOSITORY="$work/kill-repo"
flip() {  # flip FILE OFFSET (negative: from the end)
  python3 -c "import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, 'rb').read()); b[o] ^= 1; open(p, 'wb').write(b)" "$1" "$2"
}
dup_notes() { "$T" --json check >out 2>err; python3 -c "import json; print(sum(1 for n in json.load(open('out'))['notes'] if 'more than one pack' in n['message']))"; }
sample() { sqlite3 crm.db "UPDATE orders SET status='$1' WHERE id > 80"; }
expect 0 "kill: init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
sample k1; expect 0 "kill: backup 1" -- "$T" backup sqlite:crm.db
sample k2
TIDEMARK_CRASH_AT=backup-after-snapshot "$T" backup sqlite:crm.db >/dev/null 2>&1
check_eq $? 86 "backup killed after its snapshot"
expect 0 "check warns about the unrecorded snapshot (not damage)" -- "$T" check
contains out "warning  snapshot" "warning line"
contains out "no ledger entry records it" "warning says why"
expect 0 "forget beside the stale backup lock" -- "$T" forget --keep-last 1
expect 0 "prune is not held back by the stale lock" -- "$T" --json prune
json 'd["marks_swept"] == 1 and d["waiting_for"] == [] and d["packs_deleted"] > 0' "swept at once"

# Killed between writing its repack index and deleting the old index files:
# duplicate copies, which the next prune drops.
# (A fresh repository: its first pack mixes kept tables and forgotten orders.)
export TIDEMARK_REPOSITORY="$work/dup-repo"
expect 0 "dup: init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "dup: backup 1" -- "$T" backup sqlite:crm.db
sample k3; expect 0 "dup: backup 2" -- "$T" backup sqlite:crm.db
expect 0 "dup: forget" -- "$T" forget --keep-last 1
TIDEMARK_CRASH_AT=prune-index-written "$T" prune --max-unused 0 >/dev/null 2>&1
check_eq $? 86 "prune killed after its repack index"
[ "$(dup_notes)" -gt 0 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: no duplicates after the kill"; }
expect 0 "the next prune resumes" -- "$T" --json prune --max-unused 0
json 'd["waiting_for"] == []' "not waiting for the killed prune's lock"
expect 0 "another prune" -- "$T" prune
check_eq "$(dup_notes)" 0 "no duplicate copies left"
expect 0 "check --read-data after the resumed prune" -- "$T" check --read-data

# One flipped bit in a wait list: check reports it, prune sets it aside.
export TIDEMARK_REPOSITORY="$work/kill-repo"
sample k4; expect 0 "kill: backup 4" -- "$T" backup sqlite:crm.db
expect 0 "kill: forget 3" -- "$T" forget --keep-last 1
TIDEMARK_CRASH_AT=prune-wait-written "$T" prune >/dev/null 2>&1
check_eq $? 86 "prune killed after its wait list"
wait_list=$(ls "$work"/kill-repo/prune/*.wait)
flip "$wait_list" -3
expect 3 "check reports the damaged wait list" -- "$T" check
contains out "DAMAGED  prune wait list $(basename "$wait_list")" "wait list named"
contains err "tidemark: damaged: prune wait list" "named on stderr too"
expect 0 "prune sets the damaged wait list aside" -- "$T" --json prune
json 'len(d["set_aside"]) == 1 and d["marks_swept"] == 1' "set aside, then swept anew"
expect 0 "check after prune" -- "$T" check --read-data

# A damaged hold file is reported by check.
expect 0 "hold add" -- "$T" hold add latest --reason audit
flip "$(ls "$work"/kill-repo/holds/* | head -1)" -3
expect 3 "check reports the damaged hold" -- "$T" check
contains out "DAMAGED  hold " "hold named"

# Temporary files of killed writers: check reports them; unlock and prune
# remove those last written more than 24 hours ago, never a younger one.
export TIDEMARK_REPOSITORY="$work/kill-repo"
head -c 5000 /dev/urandom >"$work/kill-repo/index/.tmp-old1"
head -c 3000 /dev/urandom >"$work/kill-repo/snapshots/.tmp-old2"
touch -d '3 days ago' "$work/kill-repo/index/.tmp-old1" "$work/kill-repo/snapshots/.tmp-old2"
echo young >"$work/kill-repo/locks/.tmp-young"
expect 3 "check lists the temporary files (the hold is still damaged)" -- "$T" --json check
json 'sum(1 for n in d["notes"] if n["object"].startswith("temporary file")) == 3 and d["temp_files"] == 3' "three temporary files noted"
expect 0 "unlock removes the old ones" -- "$T" --json unlock
json 'd["temp_files_removed"] == 2' "old temporary files removed"
[ ! -e "$work/kill-repo/index/.tmp-old1" ] && [ ! -e "$work/kill-repo/snapshots/.tmp-old2" ] && [ -e "$work/kill-repo/locks/.tmp-young" ] \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: wrong temporary files removed"; ls -a "$work"/kill-repo/*/; }
head -c 2000 /dev/urandom >"$work/kill-repo/data/.tmp-old3"
touch -d '2 days ago' "$work/kill-repo/data/.tmp-old3"
expect 0 "prune removes them too" -- "$T" --json prune
json 'd["temp_files_removed"] == 1 and d["temp_bytes_removed"] == 2000' "prune removed the old one"
[ -e "$work/kill-repo/locks/.tmp-young" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: young temp file removed"; }

# --lock-wait takes a duration (the waiting itself: LockTest in repo_test).
expect 2 "bad --lock-wait" -- "$T" --lock-wait soon check
contains err "--lock-wait" "the flag is named"
expect 0 "--lock-wait 0" -- "$T" --lock-wait 0 snapshots
expect 0 "--lock-wait 30s" -- "$T" --lock-wait 30s snapshots

finish retention_cli_test
