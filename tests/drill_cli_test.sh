#!/usr/bin/env bash
# End-to-end test of restore drills through the real binary (docs/guide/drills.md):
# a good backup passes; a corrupted blob, a tampered snapshot, a failed
# assertion, an orphaned child, a dropped index and a too-tight RTO each fail
# with a message naming the cause; the report is stored, listed, shown as
# Markdown/JSON/HTML, and the HTML renders in headless Chromium.
# Usage: drill_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: drill_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

fail_check() {  # fail_check KIND DESCRIPTION: the last drill's JSON has a failed check of KIND
  json 'any(c["kind"] == "'"$1"'" and c["outcome"] == "fail" for c in d["runs"][0]["checks"])' "$2"
}
only_failures() {  # only_failures KIND...: no failed check of any other kind
  local kinds=$(printf '"%s",' "$@")
  json 'all(c["kind"] in ['"$kinds"'] for c in d["runs"][0]["checks"] if c["outcome"] == "fail")' \
    "only $* failed"
}
detail_of() {  # detail_of KIND: the details of failed checks of KIND, one per line
  python3 -c "import json; d=json.load(open('out'))
for c in d['runs'][0]['checks']:
    if c['kind'] == '$1' and c['outcome'] == 'fail': print(c['name'] + ': ' + c['detail'])" >detail
}

"$here/scripts/sample-crm" crm.db 200 >/dev/null
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "backup" -- "$T" backup sqlite:crm.db

cat >tidemark.toml <<'EOF'
[[drill]]
name = "crm-deep"
source = "crm"
rto = "15m"
rpo = "1d"
cadence = "quarterly"
unique = ["customers.email"]

[[drill.relation]]
child = "orders.customer_id"
parent = "customers.id"

[[drill.assert]]
name = "customers reachable"
sql = "SELECT count(*) FROM customers"
expect = "between 150 250"

[[drill.assert]]
name = "automations as live"
sql = "SELECT id, title, enabled FROM nc_automations ORDER BY id"
expect = "live"

[[drill]]
name = "crm-rotate"
source = "crm"
rotate = true
rotate_tables = 2
cadence = "weekly"
EOF

# 1. A good backup passes, and the report is stored and recorded.
expect 0 "good drill" -- "$T" --json drill crm-deep
json 'd["passed"] and d["ran"] == 1 and d["runs"][0]["counts"]["fail"] == 0' "good drill passes"
json 'any(c["kind"] == "baseline" and c["outcome"] == "skip" for c in d["runs"][0]["checks"])' "first run is the baseline"
json '{c["kind"] for c in d["runs"][0]["checks"]} >= {"restore","schema","counts","digest","integrity","foreign-keys","relation","uniqueness","assertion","rto","rpo"}' "every check kind ran"
json 'd["runs"][0]["rto_target_us"] == 900000000 and d["runs"][0]["rto_achieved_us"] > 0' "RTO measured against target"
good_run=$(python3 -c "import json; print(json.load(open('out'))['runs'][0]['run_id'])")
[ -e "$(python3 -c "import json; print(json.load(open('out'))['runs'][0]['target'].split(':', 1)[1])")" ] &&
  { failed=$((failed + 1)); echo "FAIL: scratch file left behind"; } || passed=$((passed + 1))
expect 0 "ledger" -- "$T" --json ledger show
json 'd[-1]["action"] == "drill" and d[-1]["outcome"] == "ok" and "plan crm-deep" in d[-1]["targets"]' "ledger entry"
expect 0 "drill --keep" -- "$T" drill crm-deep --keep
contains out "kept at" "kept path printed"
kept=$(grep -o 'kept at [^ ]*' out | cut -c9- | sed 's/^sqlite://')
[ -f "$kept" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: --keep removed $kept"; }
check_eq "$(sqlite3 "$kept" 'SELECT count(*) FROM customers')" 200 "kept file holds the data"
rm -rf "$(dirname "$kept")"

# 2. Rotation covers different tables on each run.
expect 0 "rotate 1" -- "$T" --json drill crm-rotate
t1=$(python3 -c "import json; print(','.join(sorted(t['name'] for t in json.load(open('out'))['runs'][0]['tables'])))")
expect 0 "rotate 2" -- "$T" --json drill crm-rotate
t2=$(python3 -c "import json; print(','.join(sorted(t['name'] for t in json.load(open('out'))['runs'][0]['tables'])))")
[ "$t1" != "$t2" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: rotation repeated $t1"; }

# 3. History, overdue plans, stored reports in three formats.
expect 0 "drills" -- "$T" --json drills
json '[p["plan"] for p in d["plans"]] == ["crm-deep", "crm-rotate"] and len(d["plans"][0]["runs"]) == 2' "drills lists plans and runs"
json 'not d["plans"][0]["overdue"] and d["plans"][0]["rto_target_us"] == 900000000' "not overdue"
expect 0 "drills human" -- "$T" drills --source crm
contains out "RTO trend:" "trend shown"
expect 0 "drills show md" -- "$T" drills show "${good_run:0:8}"
contains out "PASSED" "markdown verdict"
contains out "orders.customer_id -> customers.id" "markdown lists the relation"
expect 0 "drills show json" -- "$T" drills show "${good_run:0:8}" --format json
json 'd["run_id"] == "'"$good_run"'" and d["plan"] == "crm-deep"' "stored JSON report"
expect 0 "drills show html" -- "$T" drills show "${good_run:0:8}" --format html --out report.html
expect 1 "drills show unknown" -- "$T" drills show ffffffff
contains err "no drill run" "unknown run message"

if command -v chromium >/dev/null; then
  timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$work/report.html" \
    >dom.html 2>chromium.err
  python3 - "$work/report.html" "$work/dom.html" <<'EOF' && passed=$((passed + 1)) || failed=$((failed + 1))
import re, sys, json
html, dom = open(sys.argv[1]).read(), open(sys.argv[2]).read()
rows = re.findall(r'<tr[^>]*data-kind="([^"]*)"[^>]*data-outcome="([^"]*)"', dom)
want = len(re.findall(r'<tr[^>]*data-kind=', html))
ok = want > 20 and len(rows) == want and 'id="verdict"' in dom and "PASSED" in dom
if not ok:
    print("FAIL: chromium DOM shows %d of %d check rows" % (len(rows), want))
sys.exit(0 if ok else 1)
EOF
else
  failed=$((failed + 1)); echo "FAIL: chromium is not installed (scripts/install-deps installs it)"
fi

# 4. Each cause of failure is named.
cat >plans.toml <<'EOF'
[[drill]]
name = "tight"
source = "crm"
rto = "1ms"
skip = ["baseline"]

[[drill]]
name = "asserting"
source = "crm"
[[drill.assert]]
name = "exactly five customers"
sql = "SELECT count(*) FROM customers"
expect = "= 5"
EOF
expect 3 "RTO too low" -- "$T" --json drill tight --plan-file plans.toml
fail_check rto "RTO failure"
only_failures rto
detail_of rto; contains detail "exceeds the plan's target of 1 ms" "RTO message"
expect 3 "failed assertion" -- "$T" --json drill asserting --plan-file plans.toml
fail_check assertion "assertion failure"
only_failures assertion
detail_of assertion; contains detail "exactly five customers: got 200, expected = 5" "assertion message"

# An orphaned child and a dropped index, introduced in the source before a backup.
sqlite3 crm.db "PRAGMA foreign_keys=OFF; INSERT INTO orders(customer_id, status, total, created_at)
                VALUES (99999, 'open', 1, '2026-01-01'); DROP INDEX orders_by_status;"
expect 0 "backup with damage in the app" -- "$T" backup sqlite:crm.db
expect 3 "orphan and missing index" -- "$T" --json drill crm-deep
fail_check foreign-keys "foreign_key_check failure"
fail_check relation "declared relation failure"
fail_check baseline "baseline schema failure"
only_failures foreign-keys relation baseline
detail_of relation; contains detail "1 orphaned orders records" "orphan named"
contains detail "customer_id = 99999" "orphan value named"
detail_of baseline; contains detail "index orders_by_status (on orders)" "missing index named"
sqlite3 crm.db "DELETE FROM orders WHERE customer_id = 99999; CREATE INDEX orders_by_status ON orders(status);"
expect 0 "backup repaired" -- "$T" backup sqlite:crm.db

# A corrupted blob under one table: only orders changes, so the newest pack
# holds orders' nodes alone.
sqlite3 crm.db "UPDATE orders SET total = total + 1"
expect 0 "backup orders change" -- "$T" backup sqlite:crm.db
pack=$(ls -t repo/data/*/* | head -1)
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[40]^=0xff; open(sys.argv[1],'wb').write(b)" "$pack"
expect 3 "corrupted blob" -- "$T" --json drill crm-deep
fail_check restore "restore fails"
detail_of restore; contains detail "table orders" "damaged table named"
contains detail "blob " "damaged blob named"
fail_check damage "damage mapped"
detail_of damage; contains detail "orders keys" "damage row names the table and its key range"
cp "$pack" corrupted.pack
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[40]^=0xff; open(sys.argv[1],'wb').write(b)" "$pack"

# A tampered snapshot file.
snap=$(ls -t repo/snapshots/* | head -1)
cp "$snap" snap.bak
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-10]^=0x01; open(sys.argv[1],'wb').write(b)" "$snap"
expect 3 "tampered snapshot" -- "$T" --json drill crm-deep
fail_check snapshot "snapshot failure"
detail_of snapshot; contains detail "does not verify" "tampered snapshot named"
cp snap.bak "$snap"
expect 0 "all good again" -- "$T" drill crm-deep

# 5. Plans due by cadence, and plan errors.
expect 0 "drill --all --due" -- "$T" --json drill --all --due
json 'd["ran"] == 0' "nothing due right after the runs"
expect 2 "--due without --all" -- "$T" drill crm-deep --due
expect 2 "unknown plan" -- "$T" drill nope
contains err "no drill plan named 'nope'" "unknown plan message"
printf '[[drill]]\nname = "x"\nsource = "crm"\nrto = 15\n' >bad.toml
expect 2 "bad rto" -- "$T" drill x --plan-file bad.toml
contains err "bad.toml:4:7: drill 'x'.rto: expected a string, found an integer" "rto error names file, line and key"
printf '[[drill]]\nname = "x"\nsource = "crm"\nskip = ["speed"]\n' >bad.toml
expect 2 "bad skip" -- "$T" drill x --plan-file bad.toml
contains err "unknown check 'speed'" "skip error"
printf '[[drill]]\nname = "x"\n[[drill.assert]]\nname = "a"\nsql = "SELECT 1"\nexpect = "about 3"\n' >bad.toml
expect 2 "missing source" -- "$T" drill x --plan-file bad.toml
contains err "drill 'x'.source: missing" "missing key error"
printf '[[drill]\nname = "x"\n' >bad.toml
expect 2 "not TOML" -- "$T" drill x --plan-file bad.toml
contains err "bad.toml:1:" "TOML syntax error located"
one_line "TOML syntax error"

# 6. Operator trial. A small app grows normally: one author added to a 3-row
# table passes the baseline (changes of at most max(10 %, 20 rows) pass).
# The report an auditor gets names the catalog entry, the repository, the
# plan and where each target came from (the source's when the plan sets
# none), counts tables as the CLI does, and says how to verify it.
cat >audit.toml <<'EOF'
[[source]]
name = "crm"
uri = "sqlite:crm.db"
owner = "sales-ops@example.com"
domain = "sales"
sensitivity = "confidential"
rpo = "4h"
rto = "1h"

[[drill]]
name = "audited"
source = "crm"
EOF
sqlite3 crm.db "CREATE TABLE authors(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
                INSERT INTO authors(name) VALUES ('a'), ('b'), ('c');"
expect 0 "backup with 3 authors" -- "$T" backup sqlite:crm.db
expect 0 "baseline run" -- "$T" --config audit.toml drill audited
sqlite3 crm.db "INSERT INTO authors(name) VALUES ('d');"
expect 0 "backup with 4 authors" -- "$T" backup sqlite:crm.db
expect 0 "one more author passes the baseline" -- "$T" --config audit.toml --json drill audited
json 'd["passed"]' "small growth passes"
json 'any(c["kind"] == "baseline" and c["name"] == "counts" and c["outcome"] == "pass" and "within max(10%, 20 rows)" in c["detail"] for c in d["runs"][0]["checks"])' "baseline names its rule"
json 'd["runs"][0]["rpo_target_us"] == 4 * 3600 * 1000000 and d["runs"][0]["rpo_target_from"] == "source"' "source RPO used when the plan has none"
json 'd["runs"][0]["rto_target_from"] == "source" and d["runs"][0]["source_sensitivity"] == "confidential"' "source RTO and catalog recorded"
audit_run=$(python3 -c "import json; print(json.load(open('out'))['runs'][0]['run_id'])")
repo_id=$(python3 -c "import json; print(json.load(open('out'))['runs'][0]['repository_id'])")
check_eq "${#repo_id}" 32 "repository id recorded"
expect 0 "human drill" -- "$T" --config audit.toml drill audited
cli_tables=$(grep -o 'restored [0-9]* tables' out | grep -o '[0-9]*')
run2=$(grep -o 'stored as run [0-9a-f]*' out | cut -c15-)
expect 0 "audit html" -- "$T" --config audit.toml drills show "$run2" --format html --out audit.html
html_tables=$(grep -o 'bytes), [0-9]* tables' audit.html | grep -o ' [0-9]* ' | tr -d ' ')
check_eq "$html_tables" "$cli_tables" "HTML and CLI count the same tables (sqlite_sequence is internal)"
contains audit.html "sqlite_sequence (internal)" "internal table marked"
contains audit.html "<td>sqlite:crm.db</td>" "HTML: source URI"
contains audit.html "<td>sales-ops@example.com</td>" "HTML: owner"
contains audit.html "<th scope=\"row\">Domain</th><td>sales</td>" "HTML: domain"
contains audit.html "<td>confidential</td>" "HTML: sensitivity"
contains audit.html "<td>$repo_id</td>" "HTML: repository id"
contains audit.html "<li>source = crm</li>" "HTML: plan definition"
contains audit.html "against a target of 4 h (the source&#39;s; the plan sets none)" "HTML: RPO from the source"
contains audit.html "against a target of 1 h (the source&#39;s; the plan sets none)" "HTML: RTO origin named"
contains audit.html "tidemark drills show $run2" "HTML: how to verify (the run id)"
contains audit.html " --verify\` against that repository" "HTML: how to verify (the flag)"
expect 0 "drills lists the source's RTO" -- "$T" --config audit.toml --json drills
json '[p for p in d["plans"] if p["plan"] == "audited"][0]["rto_target_us"] == 3600000000 and [p for p in d["plans"] if p["plan"] == "audited"][0]["rto_target_from"] == "source"' "drills: RTO target from the source"
expect 0 "verify ok" -- "$T" drills show "${audit_run:0:8}" --verify
contains out "drill report $audit_run: ok: its signature verifies" "verify says ok"
cp "repo/drills/$audit_run" report.bak
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-5]^=0x01; open(sys.argv[1],'wb').write(b)" "repo/drills/$audit_run"
expect 3 "verify damaged" -- "$T" --json drills show "${audit_run:0:8}" --verify
json 'not d["ok"] and d["run_id"] == "'"$audit_run"'"' "verify JSON says damaged"
expect 3 "verify damaged human" -- "$T" drills show "${audit_run:0:8}" --verify
contains out "drill report $audit_run: damaged:" "verify says damaged"
contains err "do not trust any rendering of it" "damaged error says what to do"
cp report.bak "repo/drills/$audit_run"

finish drill_cli_test
