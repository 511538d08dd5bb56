#!/usr/bin/env bash
# End-to-end test of rollback and revert on the sample CRM (real SQLite
# files), following the scenarios of docs/guide/rollback.md: mass deletion
# with cascades, an automation gone awry, duplicates from a sync, one
# metadata record, unsaved work, predicted violations, and a crash at every
# step of an apply. Usage: rollback_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: rollback_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

snap() { python3 -c "import json; print(json.load(open('out'))['snapshot'])"; }
backup() { expect 0 "backup $1" -- "$T" --json backup sqlite:crm.db --name crm; }
same_as() {  # same_as SNAP DESCRIPTION: live equals the snapshot, record for record
  expect 0 "$2 (diff)" -- "$T" --json diff "$1" live
  json 'all(t["added"] == 0 and t["removed"] == 0 and t["changed"] == 0 for t in d["tables"])' "$2"
}
q() { sqlite3 crm.db "$1"; }

"$here/scripts/sample-crm" crm.db 4000
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
backup A; A=$(snap)

# 1. 500 customers deleted, their orders and items cascading.
q "PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id % 8 = 0;"
check_eq "$(q 'SELECT count(*) FROM customers')" 3500 "500 customers deleted"
backup B1
expect 0 "rollback dry run" -- "$T" --json rollback crm --to "$A" --dry-run
json 'd["refused"] is None and d["applied"] is None and {t["table"]: t["inserts"] for t in d["tables"]}["customers"] == 500' "plan inserts 500 customers"
json '[t["table"] for t in d["tables"]] == ["customers", "orders", "items"]' "parents before children"
check_eq "$(q 'SELECT count(*) FROM customers')" 3500 "dry run writes nothing"
expect 4 "no terminal, no --yes" -- "$T" rollback crm --to "$A"
contains err "--yes" "says to pass --yes"
expect 0 "rollback" -- "$T" --json rollback crm --to "$A" --yes
json 'd["applied"]["records"] > 500 and d["applied"]["expected_digest"] == d["applied"]["verified_digest"]' "applied and verified"
SAFE1=$(python3 -c "import json; print(json.load(open('out'))['applied']['safety_snapshot'])")
same_as "$A" "all customers, orders and items are back"
check_eq "$(q 'PRAGMA foreign_key_check')" "" "relations intact"
check_eq "$(q "SELECT count(*) FROM sqlite_schema WHERE type='trigger'")" 1 "trigger kept"
expect 0 "snapshots" -- "$T" --json snapshots
json 'any(s["id"] == "'"$SAFE1"'" and "pre-rollback" in s["tags"] for s in d)' "safety snapshot tagged pre-rollback"
expect 0 "ledger" -- "$T" ledger show
for step in "rollback  started" "rollback  safety-snapshot" "rollback  committing" "rollback  ok"; do
  contains out "$step" "ledger has $step"
done
# The rollback itself can be undone with its safety snapshot.
expect 0 "undo the rollback (no unsaved work: live holds A's versions)" -- "$T" rollback crm --to "$SAFE1" --yes
check_eq "$(q 'SELECT count(*) FROM customers')" 3500 "undone"
expect 0 "redo" -- "$T" rollback crm --to "$A" --yes
backup A2; A2=$(snap)

# 2. An automation sets status on 10,000 orders; 50 others are edited after.
q "UPDATE orders SET status = 'archived' WHERE id <= 10000;"
backup B2; B2=$(snap)
q "UPDATE orders SET total = total + 1 WHERE id > 11000 AND id <= 11050;"
q "UPDATE orders SET status = 'refunded' WHERE id = 7;"  # changed again after B
backup C2
expect 0 "revert dry run" -- "$T" --json revert crm "$A2..$B2" --dry-run
json 'd["tables"][0]["updates"] == 9999 and len(d["conflicts"]) == 1' "9,999 to revert, 1 conflict"
expect 0 "revert" -- "$T" --json revert crm "$A2..$B2" --yes
json 'd["applied"]["records"] == 9999' "reverted 9,999"
check_eq "$(q "SELECT count(*) FROM orders WHERE status = 'archived'")" 0 "no archived orders left"
check_eq "$(q "SELECT status FROM orders WHERE id = 7")" refunded "the conflict was left as it is"
expect 0 "the 50 edits are kept" -- "$T" --json diff "$A2" live --table orders
json 'd["tables"][0]["changed"] == 51' "50 later edits and the conflict remain"
expect 0 "revert with --prefer revert" -- "$T" --json revert crm "$A2..$B2" --yes --prefer revert --overwrite-unsaved
check_eq "$(q "SELECT status FROM orders WHERE id = 7")" closed "prefer revert restores A's status"
backup A3; A3=$(snap)

# 3. A sync inserts 300 duplicate customers; rollback of that table removes them.
q "INSERT INTO customers(name, email, status, created_at) SELECT name, NULL, status, '2026-11-22' FROM customers LIMIT 300;"
backup B3
expect 0 "rollback one table" -- "$T" --json rollback crm --to "$A3" --table customers --yes
json 'd["tables"][0]["deletes"] == 300 and len(d["tables"]) == 1' "300 duplicates deleted"
same_as "$A3" "duplicates gone"

# 4. One view definition (JSON in a metadata table) rolled back alone.
q "UPDATE nc_views SET meta = '{\"filters\":[]}' WHERE id = 'vw_open'; UPDATE nc_views SET title = 'Leads!' WHERE id = 'vw_leads';"
backup B4
expect 0 "rollback one record" -- "$T" --json rollback crm --to "$A3" --table nc_views --key vw_open --yes
json 'd["applied"]["records"] == 1' "one record"
check_eq "$(q "SELECT json_extract(meta, '$.filters[0].value') FROM nc_views WHERE id = 'vw_open'")" open "view restored"
check_eq "$(q "SELECT title FROM nc_views WHERE id = 'vw_leads'")" "Leads!" "other view kept"
backup A5; A5=$(snap)

# 5. A record edited after the newest snapshot is refused, named; accepted
# with --overwrite-unsaved, and the edit survives in the safety snapshot.
q "UPDATE customers SET name = 'Unsaved Edit' WHERE id = 17;"
expect 4 "unsaved work refused" -- "$T" rollback crm --to "$A" --table customers --yes
contains out "customers 17" "names the record"
contains err "--overwrite-unsaved" "says how to go on"
check_eq "$(q 'SELECT name FROM customers WHERE id = 17')" "Unsaved Edit" "refusal wrote nothing"
expect 0 "overwrite unsaved" -- "$T" --json rollback crm --to "$A" --table customers --yes --overwrite-unsaved
SAFE5=$(python3 -c "import json; print(json.load(open('out'))['applied']['safety_snapshot'])")
check_eq "$(q 'SELECT name FROM customers WHERE id = 17')" "Customer 17" "rolled back"
expect 0 "the edit is in the safety snapshot" -- "$T" cat "$SAFE5" customers 17
contains out "Unsaved Edit" "safety snapshot holds the edit"

# Predicted violations: a restricting child.
q "CREATE TABLE notes(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id) ON DELETE RESTRICT, body TEXT);
   INSERT INTO customers(id, name, email, created_at) VALUES(90001, 'Late', 'late@x', '2026-11-22');
   INSERT INTO notes VALUES(1, 90001, 'keep me');"
backup B6
expect 4 "restrict refused" -- "$T" --json rollback crm --to "$A5" --table customers --yes
json 'any(v["table"] == "notes" and "RESTRICT" in v["problem"] for v in d["violations"])' "violation names the child"
q "DROP TABLE notes; DELETE FROM customers WHERE id = 90001;"
backup A7; A7=$(snap)

# 6. Crash at every step: live is either untouched or completely rolled
# back, and the ledger (resolved by the next run) says which.
q "PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id % 10 = 3;"
backup B7; B7=$(snap)
for point in after-safety-snapshot in-transaction before-commit after-commit before-ledger; do
  cp crm.db crm.before
  TIDEMARK_CRASH_AT=rollback-$point "$T" rollback crm --to "$A7" --yes >/dev/null 2>&1
  code=$?
  check_eq "$code" 86 "crash at $point"
  case $point in
    after-commit|before-ledger) same_as "$A7" "crash $point: completely applied" ;;
    *) same_as "$B7" "crash $point: untouched" ;;
  esac
  check_eq "$(q 'PRAGMA integrity_check')" ok "crash $point: database intact"
  expect 0 "next run after $point" -- "$T" rollback crm --to "$A7" --dry-run
  case $point in
    before-commit) contains out "had not committed" "ledger: $point not committed" ;;
    after-commit|before-ledger) contains out "had committed" "ledger: $point committed" ;;
  esac
  # Put live back to B7 for the next point.
  expect 0 "reset after $point" -- "$T" rollback crm --to "$B7" --yes --overwrite-unsaved
  same_as "$B7" "reset after $point"
done
expect 0 "ledger records recoveries" -- "$T" ledger show
contains out "recovered: committed" "recovered committed"
contains out "recovered: not committed" "recovered not committed"
expect 0 "ledger verify" -- "$T" ledger verify

# 7. The table's columns changed since the snapshot: mapped by name.
backup A8; A8=$(snap)
q "PRAGMA foreign_keys=ON; ALTER TABLE nc_automations ADD COLUMN owner TEXT NOT NULL DEFAULT 'nobody';
   ALTER TABLE nc_automations DROP COLUMN enabled;
   UPDATE nc_automations SET owner = 'ops', title = 'Broken' WHERE id = 'wf_close';
   DELETE FROM nc_automations WHERE id = 'wf_welcome';"
backup B8
expect 0 "rollback a changed table" -- "$T" --json rollback crm --to "$A8" --table nc_automations --yes
json 'any("mapped by name" in n and "enabled" in n and "owner" in n for n in d["notes"])' "notes say what is mapped"
json 'd["tables"][0]["inserts"] == 1 and d["tables"][0]["updates"] == 1' "one re-created, one updated"
check_eq "$(q "SELECT title || '|' || owner FROM nc_automations WHERE id = 'wf_close'")" "Close shipped orders after 30 days|ops" "mapped columns restored, live-only kept"
check_eq "$(q "SELECT owner FROM nc_automations WHERE id = 'wf_welcome'")" nobody "re-created with the live-only column's default"
q "CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES('a', '1');"
backup A9; A9=$(snap)
q "DROP TABLE kv; CREATE TABLE kv(id INTEGER PRIMARY KEY, k TEXT, v TEXT);"
expect 4 "a changed key is refused" -- "$T" rollback crm --to "$A9" --table kv --yes
contains err "differ in their definition" "says why"
contains out "key (k) is now (id)" "names the key change"

# Bad input: one line, right code.
expect 2 "bad range" -- "$T" revert crm "$A"
one_line "bad range"
expect 2 "key without table" -- "$T" rollback crm --to "$A" --key 5
one_line "key without table"
expect 2 "unknown table" -- "$T" rollback crm --to "$A" --table nope --dry-run
expect 1 "unknown source" -- "$T" rollback nope --to "$A" --dry-run
one_line "unknown source"

finish rollback_cli_test
