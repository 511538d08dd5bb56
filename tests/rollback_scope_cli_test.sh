#!/usr/bin/env bash
# Rollback and revert scopes and the snapshots an apply leaves
# (docs/guide/rollback.md): a re-created parent brings back what its delete
# took with it (ON DELETE CASCADE, SET NULL, declared relations), key lists
# (composite keys, empty files, unknown keys), revert --key, the
# post-rollback snapshot that `SOURCE@latest` names, catalog labels on the
# apply's snapshots, and no anomaly for tidemark's own changes.
# Usage: rollback_scope_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: rollback_scope_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

snap() { python3 -c "import json; print(json.load(open('out'))['snapshot'])"; }
backup() { expect 0 "backup $1" -- "$T" --json backup crm; }
same_as() {  # same_as SNAP DESCRIPTION: live equals the snapshot, record for record
  expect 0 "$2 (diff)" -- "$T" --json diff "$1" live
  json 'all(t["added"] == 0 and t["removed"] == 0 and t["changed"] == 0 for t in d["tables"])' "$2"
}
q() { sqlite3 crm.db "$1"; }

"$here/scripts/sample-crm" crm.db 200
q "CREATE TABLE tickets(id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL, body TEXT);
   INSERT INTO tickets VALUES(1, 42, 'late delivery'), (2, 42, 'refund'), (3, 7, 'other');
   CREATE TABLE notes(id INTEGER PRIMARY KEY, customer INTEGER, body TEXT);
   INSERT INTO notes VALUES(1, 42, 'vip'), (2, 8, 'x');"
cat > tidemark.toml <<TOML
[[source]]
name = "crm"
uri = "sqlite:$work/crm.db"
owner = "ops@example.com"
domain = "sales"
sensitivity = "confidential"
metadata = ["nc_*"]
[[source.relation]]
child = "notes.customer"
parent = "customers.id"
TOML
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
backup A; A=$(snap)
ORDERS=$(q "SELECT count(*) FROM orders WHERE customer_id = 42")
ITEMS=$(q "SELECT count(*) FROM items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = 42)")
check_eq "$([ "$ORDERS" -gt 0 ] && [ "$ITEMS" -gt 0 ] && echo yes)" yes "customer 42 has orders and items"

# 1. Deleting customer 42 cascades to its orders and items, clears the
# tickets' link, and (declared relation, no SQL key) the note goes with it.
q "PRAGMA foreign_keys=ON; DELETE FROM customers WHERE id = 42; DELETE FROM notes WHERE customer = 42;"
backup B; B=$(snap)
expect 0 "plan one key" -- "$T" --json rollback crm --to "$A" --table customers --key 42 --dry-run
json '{t["table"]: t["inserts"] for t in d["tables"]} == {"customers": 1, "orders": '"$ORDERS"', "items": '"$ITEMS"', "notes": 1, "tickets": 0}' "the children come back"
json '{t["table"]: (t["updates"], t["related"]) for t in d["tables"]}["tickets"] == (2, 2)' "two links set back"
json 'all(r["related"] == "deleted with customers 42 by ON DELETE CASCADE" for t in d["tables"] if t["table"] == "orders" for r in t["records"])' "orders: the reason"
json 'all(r["related"].startswith("deleted with orders ") for t in d["tables"] if t["table"] == "items" for r in t["records"])' "items: the reason"
json 'all(r["related"] == "link to customers 42 cleared by ON DELETE SET NULL" for t in d["tables"] if t["table"] == "tickets" for r in t["records"])' "tickets: the reason"
json '[r["related"] for t in d["tables"] if t["table"] == "notes" for r in t["records"]] == ["deleted with customers 42"]' "declared relation: the reason"
expect 0 "without children" -- "$T" --json rollback crm --to "$A" --table customers --key 42 --dry-run --without-children
json '[(t["table"], t["inserts"], t["related"]) for t in d["tables"]] == [("customers", 1, 0)]' "--without-children: only the key"
expect 0 "plan in text" -- "$T" rollback crm --to "$A" --table customers --key 42 --dry-run
contains out "(related: deleted with customers 42 by ON DELETE CASCADE)" "the preview says why"
expect 0 "apply" -- "$T" --json rollback crm --to "$A" --table customers --key 42 --yes
POST=$(python3 -c "import json; print(json.load(open('out'))['applied']['post_snapshot'])")
SAFE=$(python3 -c "import json; print(json.load(open('out'))['applied']['safety_snapshot'])")
same_as "$A" "customer 42 is back with everything it had"
check_eq "$(q 'PRAGMA foreign_key_check')" "" "relations intact"

# 2. After the apply, SOURCE@latest is the repaired state (post-rollback),
# and the apply's snapshots keep the catalog labels.
expect 0 "snapshots" -- "$T" --json snapshots
json '[s["id"] for s in d if s["source"] == "crm"][-1] == "'"$POST"'"' "the post-rollback snapshot is the newest"
json 'any(s["id"] == "'"$POST"'" and "post-rollback" in s["tags"] for s in d)' "tagged post-rollback"
same_as "crm@latest" "crm@latest is the repaired state"
expect 0 "show safety" -- "$T" --json show "$SAFE"
json 'd["labels"].get("sensitivity") == "confidential" and d["labels"].get("owner") == "ops@example.com" and d["labels"].get("domain") == "sales" and d["labels"]["purpose"] == "pre-rollback"' "safety snapshot keeps the catalog labels"
expect 0 "show post" -- "$T" --json show "$POST"
json 'd["labels"].get("sensitivity") == "confidential" and d["labels"]["purpose"] == "post-rollback" and d["labels"]["applied-by"].startswith("rollback ")' "post snapshot: labels and applied-by"
expect 0 "ledger" -- "$T" ledger show
contains out "rollback  post-snapshot" "ledger has the post snapshot"

# 3. Key lists: empty files are refused, composite keys parse, unknown keys say so.
printf '# nothing\n\n   \n' > empty.txt
expect 2 "comments only" -- "$T" rollback crm --to "$A" --table orders --keys-from empty.txt --dry-run
contains err "no keys in empty.txt" "says the file has no keys"
one_line "comments only"
expect 2 "/dev/null" -- "$T" rollback crm --to "$A" --table orders --keys-from /dev/null --dry-run
contains err "no keys in /dev/null" "says /dev/null has no keys"
KEY=$(q "SELECT '[' || order_id || ',' || line || ']' FROM items ORDER BY order_id LIMIT 1")
q "UPDATE items SET qty = 999 WHERE (order_id, line) = (SELECT order_id, line FROM items ORDER BY order_id LIMIT 1)"
backup C
expect 0 "composite --key" -- "$T" --json rollback crm --to "$A" --table items --key "$KEY" --dry-run
json '[(t["table"], t["updates"]) for t in d["tables"]] == [("items", 1)]' "composite key planned"
expect 0 "composite --key for revert" -- "$T" --json revert crm "$B..crm@latest" --table items --key "$KEY" --dry-run
json '[(t["table"], t["updates"]) for t in d["tables"]] == [("items", 1)]' "revert: composite key planned"
expect 2 "unknown key" -- "$T" rollback crm --to "$A" --table customers --key abc --dry-run
contains err "no record customers abc" "says the key matches nothing"
one_line "unknown key"

# 4. revert --key: one view of a change window.
backup D; D=$(snap)
OPEN_TITLE=$(q "SELECT title FROM nc_views WHERE id = 'vw_open'")
q "UPDATE nc_views SET title = 'broken' WHERE id IN ('vw_open', 'vw_leads');"
backup E; E=$(snap)
expect 0 "revert one view" -- "$T" revert crm "$D..$E" --table nc_views --key vw_open --yes
contains out "revert applied: 1 records written" "one record reverted"
contains out "reported as applied by revert " "says whose changes the post snapshot holds"
check_eq "$(q "SELECT title FROM nc_views WHERE id = 'vw_leads'")" broken "the other view is left"
check_eq "$(q "SELECT title FROM nc_views WHERE id = 'vw_open'")" "$OPEN_TITLE" "the view is back"
expect 2 "revert: unknown key" -- "$T" revert crm "$D..$E" --table nc_views --key nope --dry-run
contains err "no record nc_views nope" "revert: says the key matches nothing"
expect 2 "revert: empty keys file" -- "$T" revert crm "$D..$E" --table nc_views --keys-from /dev/null --dry-run

# 5. A revert that deletes one metadata row is tidemark's change, not an anomaly.
backup F0; F0=$(snap)
q "INSERT INTO nc_views VALUES('vw_new', 'orders', 'New', '{}');"
backup F; F=$(snap)
q "UPDATE customers SET name = name WHERE id = 1;"
expect 0 "revert the new view" -- "$T" --json revert crm "$F0..$F" --table nc_views --yes
json 'd["applied"]["records"] == 1 and d["applied"]["post_snapshot"] is not None' "reverted, post snapshot taken"
expect 0 "backup after the revert" -- "$T" --json backup crm
json 'd["anomalies"] == []' "no anomaly raised for the revert"
expect 0 "status" -- "$T" --json status
contains out '"crm"' "status lists the source"

# 6. On a terminal, the plan and the transaction show progress lines.
backup G; G=$(snap)
q "UPDATE orders SET status = 'x';"
backup H
script -qec "'$T' rollback crm --to $G --table orders --yes" /dev/null </dev/null >tty.out 2>&1
contains tty.out "write  1 / " "progress of the writes"
contains tty.out "verify  1 / " "progress of the read-back"
contains tty.out "plan  1" "progress of the plan"

finish rollback_scope_cli_test
