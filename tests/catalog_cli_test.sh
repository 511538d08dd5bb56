#!/usr/bin/env bash
# End-to-end test of the catalog (docs/guide/config.md, status.md,
# anomalies.md): tidemark.toml errors, `sources`, `config check`, backups by
# name and `--all --due`, status transitions (on time / late / never; drills
# passing / failing / overdue / never), each anomaly kind on the sample CRM
# and none for ordinary churn, alerts list/ack, --fail-on-anomaly, and the
# webhook received by a listener on 127.0.0.1. Time passes on the test clock
# (advance_clock), never by sleeping.
# Usage: catalog_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: catalog_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
use_test_clock 2026-11-21T10:00:00Z

state() {  # state SOURCE PART: status JSON's state of PART for SOURCE (from out)
  python3 -c "import json; d=json.load(open('out')); print([s for s in d['sources'] if s['name']=='$1'][0]['$2']['state'])"
}
kinds() {  # the anomaly kinds of the backup JSON in out, sorted, comma-separated
  python3 -c "import json; d=json.load(open('out')); print(','.join(sorted({a['kind'] for a in d['anomalies']})))"
}

# 1. Config errors, each with its message (file:line:column: key: problem).
bad_config() {  # bad_config DESCRIPTION EXPECTED-TEXT TOML
  printf '%s\n' "$3" >bad.toml
  expect 2 "$1" -- "$T" --config bad.toml config check
  contains err "$2" "$1 message"
  one_line "$1"
}
bad_config "missing uri" "bad.toml:1:1: source 'a'.uri: missing; this key is required" \
  '[[source]]
name = "a"'
bad_config "bad sensitivity" "source 'a'.sensitivity: expected public, internal, confidential or restricted" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
sensitivity = "secret"'
bad_config "bad rpo" "bad.toml:4:7: source 'a'.rpo: 'soon' is not a duration" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
rpo = "soon"'
bad_config "unknown key" "source 'a'.owners: unknown key; expected one of:" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
owners = "x"'
bad_config "unknown scheme" "source 'a'.uri: source 'mysql://x' is not supported; give sqlite:PATH" \
  '[[source]]
name = "a"
uri = "mysql://x"'
bad_config "duplicate source" "a second source named 'a'" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
[[source]]
name = "a"
uri = "sqlite:b.db"'
bad_config "bad retention" "source 'a'.retention.keep_daily: expected an integer from 0 to" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
[source.retention]
keep_daily = -1'
bad_config "bad threshold" "source 'a'.anomalies:" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
[source.anomalies]
deleted = 0'
bad_config "bad webhook" "alerts.webhook: expected an http:// or https:// URL" \
  '[alerts]
webhook = "ftp://x"'
bad_config "drill of unknown source" "drill 'd'.source: no [[source]] named 'nope'" \
  '[[source]]
name = "a"
uri = "sqlite:a.db"
[[drill]]
name = "d"
source = "nope"'
expect 2 "no config" -- "$T" sources
contains err "no catalog" "no config message"

# 2. The catalog.
"$here/scripts/sample-crm" crm.db 500 >/dev/null
"$here/scripts/sample-crm" hr.db 50 >/dev/null
port_file=$work/port
python3 - "$port_file" "$work/hooks" >listener.log 2>&1 <<'EOF' &
import http.server, sys, os
os.makedirs(sys.argv[2], exist_ok=True)
class H(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        H.n += 1
        open(os.path.join(sys.argv[2], '%03d.json' % H.n), 'wb').write(body)
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[1], 'w').write(str(s.server_address[1]))
s.serve_forever()
EOF
listener=$!
trap 'kill $listener 2>/dev/null; rm -rf "$work"' EXIT
wait_for_file "$port_file" || { finish catalog_cli_test; exit 1; }
port=$(cat "$port_file")

cat >tidemark.toml <<EOF
[[source]]
name = "crm"
uri = "sqlite:crm.db"
owner = "sales-ops@example.com"
domain = "sales"
sensitivity = "confidential"
rpo = "1h"
rto = "15m"
tags = ["prod"]
metadata = ["nc_*"]
[source.retention]
keep_last = 2

[[source]]
name = "hr"
uri = "sqlite:hr.db"
sensitivity = "restricted"
rpo = "5m"
exclude = ["nc_*"]

[alerts]
webhook = "http://127.0.0.1:$port/hook"
retries = 1
timeout = "2s"

[[drill]]
name = "crm-smoke"
source = "crm"
cadence = "10m"
EOF
expect 0 "config check" -- "$T" --json config check
json 'd["ok"] and d["sources"] == 2 and d["drills"] == 1 and d["webhook"].endswith("/hook")' "config check json"
expect 0 "sources" -- "$T" --json sources
json '[s["name"] for s in d] == ["crm", "hr"] and d[0]["owner"] == "sales-ops@example.com" and d[0]["rpo"] == "1h" and d[0]["retention"].startswith("last 2") and d[0]["drill_plans"] == 1 and d[1]["exclude"] == ["nc_*"]' "sources json"

expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1

# 2b. A declared relation naming a column or table that does not exist is
# named by `config check` (the source is opened read-only) and refused by
# `backup` before a snapshot is written, not left to a drill's SQL error.
printf 'not a database, just text\n' >garbage.db
cat >rel.toml <<'EOF'
[[source]]
name = "relcrm"
uri = "sqlite:crm.db"
exclude = ["items"]
[[source.relation]]
child = "orders.cust_id"
parent = "customers.id"

[[source]]
name = "junk"
uri = "sqlite:garbage.db"
[[source.relation]]
child = "a.b"
parent = "c.d"

[[drill]]
name = "relcrm-drill"
source = "relcrm"
[[drill.relation]]
child = "orders.customer_id"
parent = "items.order_id"
EOF
expect 2 "config check: relation with a missing column" -- "$T" --config rel.toml config check
contains err "source 'relcrm' [[source.relation]]: relation \"orders.cust_id -> customers.id\": table orders has no column cust_id (its columns: id, customer_id, status, total, created_at); fix or remove the relation in tidemark.toml" "config check names relation, column, table and the fix"
contains err "drill 'relcrm-drill' [[drill.relation]]: relation \"orders.customer_id -> items.order_id\": no table items in the source (or it is excluded from the backup)" "config check names an excluded table"
one_line "config check relation error"
contains out "note: source 'junk': cannot open" "unopenable source is a note, not an error"
contains out "declared relations (not checked)" "note says the relations were not checked"
expect 2 "backup refuses a relation with a missing column" -- "$T" --config rel.toml backup relcrm
contains err "relation \"orders.cust_id -> customers.id\": table orders has no column cust_id" "backup names the relation"
contains err "(no snapshot was written)" "backup says nothing was written"
one_line "backup relation error"
expect 1 "no relcrm snapshot" -- "$T" ls relcrm@latest

# 3. Status before any backup: never.
expect 4 "status never" -- "$T" --json status
check_eq "$(state crm backup)" never "crm never backed up"
check_eq "$(state crm drill)" never "crm never drilled (it has an RTO)"
json 'not d["ok"] and d["out_of_policy"] == 2' "status not ok"

# 4. Backups by name and --all --due.
expect 0 "backup crm" -- "$T" --json backup crm
json 'd["source"] == "crm" and d["anomalies"] == []' "backup by name"
expect 0 "show labels" -- "$T" --json show crm@latest
contains out '"owner"' "owner label stored"
contains out '"prod"' "source tag stored"
expect 0 "backup --all --due" -- "$T" --json backup --all --due
json '[b["source"] for b in d["backups"]] == ["hr"]' "only hr is due (never backed up)"
expect 0 "hr excludes nc_*" -- "$T" --json ls hr@latest
python3 -c "import json,sys; n=[t['name'] for t in json.load(open('out'))['tables']]; sys.exit(0 if 'customers' in n and not any(x.startswith('nc_') for x in n) else 1)" &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: hr snapshot holds nc_ tables"; }
expect 0 "nothing due" -- "$T" --json backup --all --due
json 'd["backups"] == []' "nothing due right after"
advance_clock 299s
expect 0 "nothing due a second before the RPO" -- "$T" --json backup --all --due
json 'd["backups"] == []' "hr not due at 4m59s of its 5m RPO"
advance_clock 1s
expect 0 "hr late again" -- "$T" --json backup --all --due
json '[b["source"] for b in d["backups"]] == ["hr"]' "hr due when its 5m RPO has passed"
expect 2 "--due without --all" -- "$T" backup --due crm
expect 2 "unknown source" -- "$T" backup nope
contains err "no source named 'nope'" "unknown source message"

# 5. Status transitions: late, drill ok / failed / overdue, on the test clock
# (the RPO is 5m, the drill cadence 10m).
advance_clock 5m
expect 4 "status on time at the RPO" -- "$T" --json status
check_eq "$(state hr backup)" ok "hr on time at exactly its RPO"
advance_clock 1s
expect 4 "status late" -- "$T" --json status
check_eq "$(state hr backup)" late "hr late"
check_eq "$(state crm backup)" ok "crm on time"
check_eq "$(state hr drill)" none "hr: no plan, no RTO"
json '[s for s in d["sources"] if s["name"] == "hr"][0]["backup"]["age_us"] == 301000000' "hr age on the test clock"
expect 0 "drill" -- "$T" drill crm-smoke
advance_clock 1s
expect 4 "status after drill" -- "$T" --json status
check_eq "$(state crm drill)" ok "crm drill ok"
json '[s for s in d["sources"] if s["name"] == "crm"][0]["ok"]' "crm within policy"
printf '[alerts]\nwebhook = "http://127.0.0.1:%s/hook"\n[[drill]]\nname = "crm-failing"\nsource = "crm"\n[[drill.assert]]\nname = "none"\nsql = "SELECT count(*) FROM customers"\nexpect = "= 0"\n' "$port" >fail.toml
advance_clock 1s
expect 3 "failing drill" -- "$T" drill crm-failing --plan-file fail.toml
python3 -c "import json,glob; h=json.load(open(sorted(glob.glob('hooks/*.json'))[-1])); assert h['event']=='drill-failed' and h['plan']=='crm-failing' and h['failed_checks'][0]['name']=='none'" &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: failed drill not posted to the webhook"; }
expect 4 "status drill failed" -- "$T" --json status
check_eq "$(state crm drill)" failed "crm drill failed"
advance_clock 1s
expect 0 "drill again" -- "$T" drill crm-smoke
advance_clock 10m
expect 4 "status at the cadence" -- "$T" --json status
check_eq "$(state crm drill)" ok "crm drill not overdue at exactly its cadence"
advance_clock 1s
expect 4 "status overdue" -- "$T" --json status
check_eq "$(state crm drill)" overdue "crm drill overdue"
advance_clock 1s
expect 0 "drill again" -- "$T" drill crm-smoke
expect 0 "backup hr" -- "$T" backup hr
expect 0 "status ok" -- "$T" --json status
json 'd["ok"] and d["out_of_policy"] == 0' "everything within policy"

# 6. Ordinary churn raises nothing; each anomaly kind is found on the CRM.
for i in 1 2 3 4 5 6; do
  sqlite3 crm.db "UPDATE orders SET total = total + $i WHERE abs(random()) % 100 = 0;
                  INSERT INTO customers(name, email, created_at) VALUES ('n$i', 'n$i@x', '2026');"
  advance_clock 1m
  expect 0 "churn $i" -- "$T" --json backup crm
  json 'd["anomalies"] == []' "no anomaly for 1 % churn ($i)"
done
sqlite3 crm.db "PRAGMA foreign_keys=OFF; DELETE FROM customers WHERE id % 5 = 0"
advance_clock 1m
expect 0 "delete 20 % of customers" -- "$T" --json backup crm
check_eq "$(kinds)" "deleted,orphans" "mass delete and its orphans found"
contains out "customers: 10" "deleted share named"
json 'd["webhook"]["delivered"] and d["webhook"]["attempts"] == 1' "webhook delivered"
python3 -c "import json,glob; h=json.load(open(sorted(glob.glob('hooks/*.json'))[-1])); assert h['event']=='anomalies' and h['source']=='crm' and {a['kind'] for a in h['anomalies']} == {'deleted','orphans'} and all(a['id'] for a in h['anomalies'])" &&
  passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: webhook payload"; }
sqlite3 crm.db "UPDATE orders SET total = NULL WHERE id % 10 != 0" 2>/dev/null ||
  sqlite3 crm.db "UPDATE orders SET created_at = '' WHERE id % 10 != 0"
advance_clock 1m
expect 0 "null a column" -- "$T" --json backup crm
json 'any(a["kind"] == "nulled" and a["table"] == "orders" for a in d["anomalies"])' "column nulled found"
sqlite3 crm.db "UPDATE orders SET status = 'archived'"
advance_clock 1m
expect 4 "one value everywhere, --fail-on-anomaly" -- "$T" --json backup crm --fail-on-anomaly
json 'any(a["kind"] == "dominant" and a["column"] == "status" and "archived" in a["detail"] for a in d["anomalies"])' "mass update found"
contains err "anomalies found (--fail-on-anomaly)" "fail-on-anomaly message"
sqlite3 crm.db "DROP VIEW open_orders"
advance_clock 1m
expect 0 "drop a view" -- "$T" --json backup crm
json 'any(a["kind"] == "dropped" and "open_orders" in a["detail"] for a in d["anomalies"])' "dropped view found"
sqlite3 crm.db "DELETE FROM nc_automations WHERE rowid = 1"
advance_clock 1m
expect 0 "delete a workflow" -- "$T" --json backup crm
json 'any(a["kind"] == "dropped" and a["table"] == "nc_automations" for a in d["anomalies"])' "deleted workflow found"

# 7. Alerts: open until acknowledged (a ledger entry); status counts them.
expect 4 "status with anomalies" -- "$T" --json status
json '[s for s in d["sources"] if s["name"] == "crm"][0]["anomalies"]["open"] >= 5' "open anomalies counted"
expect 0 "alerts list" -- "$T" --json alerts list --source crm
ids=$(python3 -c "import json; print(' '.join(a['id'] for a in json.load(open('out'))))")
json 'len(d) >= 5 and all(not a["acknowledged"] for a in d)' "alerts listed"
expect 2 "ack without reason" -- "$T" alerts ack ${ids%% *}
expect 1 "ack unknown" -- "$T" alerts ack 000000000000/1 --reason x
expect 0 "ack all" -- "$T" alerts ack $ids --reason "planned cleanup, ticket 42"
expect 4 "ack twice" -- "$T" alerts ack ${ids%% *} --reason again
expect 0 "no open alerts" -- "$T" --json alerts list
json 'd == []' "nothing open after ack"
expect 0 "alerts list --all" -- "$T" --json alerts list --all
json 'len(d) >= 5 and all(a["acknowledged"] for a in d)' "acknowledged still listed with --all"
expect 0 "ledger" -- "$T" --json ledger show
json 'any(e["action"] == "alert" and e["outcome"] == "acknowledged" for e in d) and any(e["action"] == "anomaly" and e["outcome"] == "open" for e in d)' "ledger records anomalies and acks"

# 8. Table selection: a full-text table keeps its shadow tables, indexes
# follow their table, a newly excluded table is not an anomaly, and a drill
# does not fail on foreign keys into a table the backup leaves out.
sqlite3 notes.db "CREATE TABLE authors(id INTEGER PRIMARY KEY, name TEXT);
  CREATE TABLE posts(id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id), body TEXT);
  CREATE INDEX posts_by_author ON posts(author_id);
  CREATE VIRTUAL TABLE posts_fts USING fts5(body);
  CREATE TABLE tmp_cache(k, v);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
  INSERT INTO authors SELECT i, 'a' || i FROM n;
  INSERT INTO posts SELECT id, id, 'post number ' || id || CASE id % 7 WHEN 0 THEN ' tidemark' ELSE '' END FROM authors;
  INSERT INTO posts_fts(rowid, body) SELECT id, body FROM posts;
  INSERT INTO tmp_cache VALUES (1, 2);"
notes_config() {  # notes_config EXCLUDE-LIST
  cat >notes.toml <<TOML
[[source]]
name = "notes"
uri = "sqlite:notes.db"
include = ["posts", "posts_fts", "authors", "tmp_*"]
exclude = [$1]
[[drill]]
name = "notes-full"
source = "notes"
[[drill.assert]]
name = "search works"
sql = "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'tidemark'"
expect = "= 28"
TOML
}
notes_config '"tmp_*"'
expect 0 "backup notes" -- "$T" --config notes.toml --json backup notes
expect 0 "show notes" -- "$T" --json show notes@latest
json '{t["name"] for t in d["tables"]} >= {"authors", "posts", "posts_fts", "posts_fts_data", "posts_fts_content"} and not any(t["name"].startswith("tmp_") for t in d["tables"])' "shadow tables follow the virtual table; tmp_ excluded"
notes_config '"tmp_*", "authors"'
advance_clock 1m
expect 0 "backup notes without authors" -- "$T" --config notes.toml --json backup notes
json 'd["anomalies"] == []' "a newly excluded table is not reported as dropped"
expect 0 "drill notes" -- "$T" --config notes.toml --json drill notes-full
json 'd["passed"]' "drill passes: foreign keys into the excluded table are counted apart"
contains out "not in the snapshot were not checked" "excluded parent noted"
expect 0 "restore notes" -- "$T" restore notes@latest --to sqlite:notes-restored.db
check_eq "$(sqlite3 notes-restored.db "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH 'tidemark'")" 28 "full-text search works after restore"
check_eq "$(sqlite3 notes-restored.db "SELECT count(*) FROM sqlite_schema WHERE name IN ('posts_by_author', 'authors')")" 1 "index kept, excluded table absent"

# 9. A webhook that cannot be reached is reported, never fatal.
kill $listener 2>/dev/null; wait $listener 2>/dev/null
sqlite3 crm.db "DELETE FROM orders WHERE id % 2 = 0"
advance_clock 1m
expect 0 "backup with webhook down" -- "$T" --json backup crm
json 'd["anomalies"] and not d["webhook"]["delivered"] and d["webhook"]["attempts"] == 2' "failed webhook reported in JSON"
contains err "warning: webhook" "failed webhook warned on stderr"

finish catalog_cli_test
