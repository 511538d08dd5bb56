#!/usr/bin/env bash
# End-to-end test of the record-snapshot commands through the real binary on
# real SQLite files: backup, snapshots, show, ls, cat, diff (also against
# live), history, restore, export, verify-export; their --json output, and
# one clear line with the right exit code for bad input, with no partial
# output left behind. Usage: snapshot_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: snapshot_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

"$here/scripts/sample-crm" crm.db 200
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1

# Backup and its JSON summary.
expect 0 "first backup" -- "$T" --json backup sqlite:crm.db --tag t1 --env prod --domain sales
json 'd["parent"] is None and d["tables"] == 5 and d["records_added"] == d["records"] and d["records"] > 0' "first backup json"
json 'all(k in d for k in ["snapshot","parent","tables","records","records_added","records_changed","records_removed","bytes_added","duration_s"])' "backup json fields"
first=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
sqlite3 crm.db "PRAGMA foreign_keys=ON; UPDATE orders SET status='void' WHERE id IN (3,4,5); DELETE FROM customers WHERE id=7; INSERT INTO customers(name,email,created_at) VALUES('New','new@x','2026-11-22'); DROP VIEW open_orders;"
expect 0 "diff live" -- "$T" --json diff latest live --table orders
json 'd["tables"][0]["changed"] == 3' "live diff counts changed orders"
expect 0 "second backup" -- "$T" --json backup sqlite:crm.db --name crm --tag t2
json 'd["parent"] == "'"$first"'" and d["records_changed"] >= 3 and d["records_added"] >= 1 and d["records_removed"] >= 1' "incremental counts"
second=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")

# Browsing.
expect 0 "snapshots" -- "$T" --json snapshots --source crm
json 'len(d) == 2 and d[0]["id"] == "'"$first"'"' "snapshots lists both, oldest first"
expect 0 "snapshots by tag" -- "$T" --json snapshots --tag t2
json 'len(d) == 1 and d[0]["id"] == "'"$second"'"' "tag filter"
expect 0 "show" -- "$T" show "${first:0:8}"
contains out "labels     domain=sales, env=prod" "show prints labels"
expect 0 "ls" -- "$T" --json ls "$first"
json 'any(t["name"] == "orders" and t["rows"] == 600 for t in d["tables"])' "ls tables with counts"
expect 0 "ls records" -- "$T" --json ls latest customers --limit 2 --after 5
json '[r["key"] for r in d["records"]] == [[6],[8]] and d["next_after"] == "8"' "ls --after skips deleted 7"
expect 0 "cat" -- "$T" cat "$first" customers 7
json 'd["fields"]["id"] == 7 and d["fields"]["email"] == "customer7@example.com"' "cat record as JSON"
expect 1 "cat missing key" -- "$T" cat latest customers 7
contains err "no record with key 7" "cat missing key message"
expect 0 "cat composite key" -- "$T" cat latest items '[3,1]'
json 'd["key"] == [3,1]' "composite key"
expect 2 "cat bad composite key" -- "$T" cat latest items 3
contains err "JSON array of 2 values" "composite key hint"

# Diff and history.
expect 0 "diff json" -- "$T" --json diff "$first" "$second"
json 'any(t["name"]=="orders" and t["changed"]==3 and t["records"][0]["fields"][0]["field"]=="status" and t["records"][0]["fields"][0]["new"]=="void" for t in d["tables"])' "field-level change"
json 'any(s["type"]=="view" and s["name"]=="open_orders" and s["change"]=="removed" for s in d["schema"])' "schema change: view dropped"
expect 0 "diff stat" -- "$T" diff "$first" "$second" --stat
contains out "table customers: 1 added, 1 removed, 0 changed" "stat line"
expect 0 "history" -- "$T" --json history crm orders 3
json '[v["state"] for v in d["versions"]] == ["appeared","changed"] and d["versions"][1]["record"]["status"] == "void"' "history versions"
expect 0 "history of deleted" -- "$T" --json history crm customers 7
json '[v["state"] for v in d["versions"]] == ["appeared","deleted"]' "history shows deletion"

# Restore: exact, verified, refuses to overwrite.
expect 0 "restore" -- "$T" restore "$first" --to sqlite:r1.db
cp crm.db now.db
expect 0 "restore latest" -- "$T" restore latest --to sqlite:r2.db
sqlite3 r2.db .dump >r2.sql
sqlite3 now.db .dump >now.sql
if cmp -s r2.sql now.sql; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: restore differs from source"; diff r2.sql now.sql | head; fi
expect 4 "restore refuses existing" -- "$T" restore latest --to sqlite:r2.db
one_line "restore refuses existing"
contains err "--force" "restore hint"
expect 0 "restore --force" -- "$T" restore "$first" --to sqlite:r2.db --force
expect 0 "restore one table" -- "$T" restore latest --to sqlite:r3.db --table customers
[ "$(sqlite3 r3.db "select count(*) from sqlite_schema where type='table' and name in ('orders','items')")" = 0 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: --table restored other tables"; }

# Export and verify-export.
expect 0 "export csv" -- "$T" export latest --out ex
expect 0 "verify export" -- "$T" verify-export ex
expect 0 "export ndjson" -- "$T" export latest --format ndjson --out exj --table orders
[ "$(ls exj)" = "$(printf 'manifest.json\norders.ndjson')" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: ndjson export files: $(ls exj)"; }
echo tamper >>ex/orders.csv
rm ex/items.csv
touch ex/extra.txt
expect 3 "verify-export detects tampering" -- "$T" --json verify-export ex
json 'sorted(p["file"] for p in d["problems"]) == ["extra.txt","items.csv","orders.csv"]' "three problems named"
expect 4 "export into non-empty folder" -- "$T" export latest --out ex

# Bad input: one clear line, the right code.
expect 1 "missing file" -- "$T" backup sqlite:nope.db
one_line "missing file"
echo "hello" >text.db
expect 2 "not a database" -- "$T" backup sqlite:text.db
contains err "not a SQLite database" "not a database message"
expect 2 "unsupported source" -- "$T" backup postgres://x
expect 1 "unknown snapshot" -- "$T" show deadbeef
contains err "no snapshot deadbeef" "unknown snapshot message"
expect 2 "bad snapshot name" -- "$T" show 'xyz!'
expect 2 "unknown table" -- "$T" ls latest nosuch
[ "$(ls | grep -c tidemark-)" = 0 ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: temporary files left: $(ls)"; }

# Ambiguous prefix: make enough snapshots that two share a first hex digit.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
  sqlite3 crm.db "UPDATE customers SET name='n$i' WHERE id=1"
  "$T" backup sqlite:crm.db -q >/dev/null 2>&1
done
dup=$("$T" --json snapshots | python3 -c "
import json,sys,collections
ids=[s['id'] for s in json.load(sys.stdin)]
c=collections.Counter(i[0] for i in ids)
print([k for k,v in c.items() if v>1][0])")
expect 2 "ambiguous prefix" -- "$T" show "${dup}"
contains err "ambiguous" "ambiguous message"
expect 0 "ledger verify" -- "$T" ledger verify
expect 0 "check" -- "$T" check --read-data

finish snapshot_cli_test
