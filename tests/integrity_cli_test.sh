#!/usr/bin/env bash
# End-to-end test of integrity through the real binary: check --read-data
# maps damage to snapshots, tables and keys; check --snapshot reads only what
# one snapshot needs; repair index rebuilds a lost index, leaves packs with a
# damaged header in place, and survives a crash at each of its steps.
# Usage: integrity_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: integrity_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

packs() { find "$work/repo/data" -type f | sort; }
flip() {  # flip FILE OFFSET (negative: from the end)
  python3 -c "import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, 'rb').read()); b[o] ^= 1; open(p, 'wb').write(b)" "$1" "$2"
}
last_ledger() {  # the newest ledger entry as JSON in out
  "$T" --json ledger show >out 2>err
  python3 -c "import json; d=json.load(open('out')); json.dump(d[-1], open('out','w'))"
}

"$here/scripts/sample-crm" crm.db 300 >/dev/null
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
for i in 1 2 3; do
  packs >before
  # Only orders change: each backup's new pack holds orders nodes only.
  sqlite3 crm.db "UPDATE orders SET status='s$i' WHERE id > 250"
  expect 0 "backup $i" -- "$T" --json backup sqlite:crm.db
  ids[$i]=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
  packs >after
done
newest_pack=$(comm -13 before after | head -1)
[ -n "$newest_pack" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: no pack from backup 3"; }
pack_id=$(basename "$newest_pack")

# Corrupt one byte inside the first blob of the newest pack: a blob that
# only snapshot 3 uses.
"$T" cat pack "$pack_id" >out
read -r blob offset length < <(awk 'NR == 2 { print $1, $4, $6 }' out)
cp "$newest_pack" pack.orig
flip "$newest_pack" $((offset + length / 2))

expect 3 "check --read-data finds the damage" -- "$T" check --read-data
contains out "DAMAGED  blob $blob" "damaged blob named"
contains out "damage map:" "damage map section"
contains out "snapshot ${ids[3]:0:12} (crm) table orders: keys" "table and key range"
contains out "1 of 3 snapshots affected; the others are restorable" "summary line"
expect 3 "check --read-data --json" -- "$T" --json check --read-data
json 'd["ok"] == False and [b["blob"] for b in d["damage_map"]] == ["'"$blob"'"]' "json names the blob"
json 'all(u["snapshot"] == "'"${ids[3]}"'" and u["table"] == "orders" and u["source"] == "crm" and u["what"] == "tree node" and u["to"] for u in d["damage_map"][0]["uses"])' "json uses"
json 'd["snapshots_affected"] == ["'"${ids[3]}"'"] and d["snapshots_restorable"] == ["'"${ids[1]}"'", "'"${ids[2]}"'"]' "json affected / restorable"
last_ledger
json 'd["action"] == "check" and d["outcome"] == "damaged"' "check ledger entry"

# check --snapshot: the old snapshots are intact and restore; the newest is not.
expect 0 "check --snapshot old" -- "$T" check --snapshot "${ids[1]:0:12}"
contains out "no damage found" "old snapshot intact"
expect 0 "restore old" -- "$T" restore "${ids[1]}" --to sqlite:old.db
expect 0 "check --snapshot middle" -- "$T" --json check --snapshot "${ids[2]}"
json 'd["ok"] and d["damage_map"] == [] and d["snapshots_restorable"] == ["'"${ids[2]}"'"] and d["nodes_read"] > 0' "middle snapshot json"
expect 0 "restore middle" -- "$T" restore "${ids[2]}" --to sqlite:middle.db
expect 3 "check --snapshot new" -- "$T" check --snapshot latest
contains out "table orders" "new snapshot: table named"
contains out "$blob" "new snapshot: blob named"
expect 3 "check --snapshot crm@latest --json" -- "$T" --json check --snapshot crm@latest
json 'not d["ok"] and d["damage_map"][0]["blob"] == "'"$blob"'" and d["snapshots_affected"] == ["'"${ids[3]}"'"]' "new snapshot json"
expect 3 "restore new fails" -- "$T" restore latest --to sqlite:new.db
expect 2 "--snapshot with --read-data" -- "$T" check --snapshot latest --read-data
expect 1 "unknown snapshot" -- "$T" check --snapshot 0000000000000000000000000000000000000000000000000000000000000000
cp pack.orig "$newest_pack"
expect 0 "check after the pack is restored" -- "$T" check --read-data

# repair index: a lost index is rebuilt from the packs.
rm -f repo/index/*
expect 3 "check without index" -- "$T" check
expect 0 "repair index --dry-run" -- "$T" repair index --dry-run
contains out "would write 1 index files" "dry run says what it would do"
[ -z "$(ls repo/index)" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: dry run wrote"; }
expect 0 "repair index" -- "$T" --json repair index
json 'd["packs_indexed"] == d["packs"] == '"$(packs | wc -l)"' and d["index_written"] == 1 and d["unreadable_packs"] == []' "repair json"
last_ledger
json 'd["action"] == "repair.index" and d["outcome"] == "ok" and d["counts"]["index_written"] == 1' "repair ledger entry"
expect 0 "check after repair" -- "$T" check --read-data
for i in 1 2 3; do expect 0 "restore $i after repair" -- "$T" restore "${ids[$i]}" --to sqlite:r$i.db; done

# A crash after each step; a rerun repairs.
for point in repair-index-written repair-index-removed; do
  TIDEMARK_CRASH_AT=$point "$T" repair index >/dev/null 2>&1
  check_eq $? 86 "crash at $point"
  expect 0 "repair after crash at $point" -- "$T" repair index
  expect 0 "check after crash at $point" -- "$T" check --read-data
done

# A pack whose header is damaged is reported and left in place.
flip "$newest_pack" -20
expect 3 "repair with a damaged header" -- "$T" repair index
contains out "DAMAGED  pack $pack_id" "damaged pack named"
contains out "left in place" "pack left in place"
contains out "kept     index" "its old index file kept"
[ -f "$newest_pack" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: damaged pack removed"; }
expect 3 "check still reports the header" -- "$T" check
contains out "DAMAGED  pack $pack_id" "check names the damaged pack"
contains err "tidemark: damaged: pack $pack_id" "and names it on stderr"
expect 3 "check --json keeps stderr to the error" -- "$T" --json check
if grep -q "tidemark: damaged:" err; then failed=$((failed + 1)); echo "FAIL: --json check listed damage on stderr"; else passed=$((passed + 1)); fi
expect 0 "old snapshot restores beside the damaged pack" -- "$T" restore "${ids[1]}" --to sqlite:old2.db

# A damaged config is named as the config, not as a damaged key slot.
cp "$work/repo/config" config.orig
flip "$work/repo/config" -5
expect 3 "check with a damaged config" -- "$T" check
contains err "config of" "the config is named"
contains err "is damaged" "said to be damaged"
if grep -q "another is damaged\|leftover of an interrupted init" err; then
  failed=$((failed + 1)); echo "FAIL: a damaged config blamed on a key slot"; cat err
else passed=$((passed + 1)); fi
one_line "damaged config error"
cp config.orig "$work/repo/config"

# Damage named by a table whose name holds a newline stays one line per object
# (found by the bad-inputs campaign: a root node "is in no index" split in two).
nl=$'\n'
sqlite3 nl.db "CREATE TABLE \"two${nl}lines\"(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO \"two${nl}lines\" VALUES (1, 'x');"
rm -rf "$work/nlrepo"
TIDEMARK_REPOSITORY="$work/nlrepo" "$T" init --kdf-memory 8 --kdf-iterations 1 >/dev/null 2>&1
TIDEMARK_REPOSITORY="$work/nlrepo" "$T" backup sqlite:nl.db --name nl >/dev/null 2>&1
for f in "$work"/nlrepo/index/*; do : >"$f"; done
expect 3 "check of a repository whose index is gone" -- env TIDEMARK_REPOSITORY="$work/nlrepo" "$T" check
contains err "two\\x0alines" "the newline in the table name is shown escaped"
if grep -qv '^tidemark: ' err; then
  failed=$((failed + 1)); echo "FAIL: a stderr line does not start with 'tidemark: '"; cat err
else passed=$((passed + 1)); fi

finish integrity_cli_test
