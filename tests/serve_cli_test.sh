#!/usr/bin/env bash
# End-to-end test of `tidemark serve` (docs/guide/serve.md, docs/api.md):
# accounts and tokens, the server on a free 127.0.0.1 port (--listen
# 127.0.0.1:0, the port read from --port-file), the RBAC matrix (every
# endpoint x every role x source in / out of scope x no / wrong token, each
# with its exact status code), bad requests, /metrics through the Prometheus
# client's own parser against `tidemark status --json`, the ledger entry of a
# state change naming the account, one server per repository, TLS required
# off loopback, and SIGTERM: exit 0, then `tidemark check` passes.
# Usage: serve_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: serve_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
use_test_clock 2026-11-21T10:00:00Z
# Debian's python3-prometheus-client (scripts/install-deps) is for Debian's python.
PY=/usr/bin/python3
"$PY" -c "import prometheus_client.parser" 2>/dev/null ||
  { echo "FAIL: python3-prometheus-client is missing: run scripts/install-deps"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is missing: run scripts/install-deps"; exit 1; }

# 1. Two sources, each with a snapshot that found an anomaly (an open alert).
for s in crm hr; do
  sqlite3 "$s.db" "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
    INSERT INTO items SELECT i, '$s item ' || i FROM n;"
done
cat >tidemark.toml <<TOML
[[source]]
name = "crm"
uri = "sqlite:$work/crm.db"
rpo = "1h"
[[source]]
name = "hr"
uri = "sqlite:$work/hr.db"
TOML
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
for s in crm hr; do
  expect 0 "backup $s" -- "$T" backup "$s"
  sqlite3 "$s.db" "DELETE FROM items WHERE id % 2 = 0"
  advance_clock 1m
  expect 0 "backup $s after a mass delete" -- "$T" --json backup "$s"
  json 'any(a["kind"] == "deleted" for a in d["anomalies"])' "$s: the delete is an anomaly"
done
expect 0 "snapshots" -- "$T" --json snapshots
crm_snap=$(python3 -c "import json; print([s['id'] for s in json.load(open('out')) if s['source']=='crm'][-1])")
hr_snap=$(python3 -c "import json; print([s['id'] for s in json.load(open('out')) if s['source']=='hr'][-1])")
expect 0 "alerts" -- "$T" --json alerts list
crm_alert=$(python3 -c "import json; print([a['id'] for a in json.load(open('out')) if a['source']=='crm'][0])")
hr_alert=$(python3 -c "import json; print([a['id'] for a in json.load(open('out')) if a['source']=='hr'][0])")
expect 0 "hold an hr snapshot" -- "$T" hold add "$hr_snap" --reason "audit"

# 2. Accounts: every role, on every source and on crm only.
expect 2 "unknown role" -- "$T" user add x --role root
contains err "use viewer, operator, restorer or admin" "unknown role named"
expect 2 "bad name" -- "$T" user add "../x" --role viewer
declare -A TOKEN
accounts=()
for role in viewer operator restorer admin; do
  for scope in all crm; do
    name="$role-$scope"
    if [ "$scope" = all ]; then
      expect 0 "user add $name" -- "$T" user add "$name" --role "$role"
    else
      expect 0 "user add $name" -- "$T" user add "$name" --role "$role" --source crm
    fi
    expect 0 "token create $name" -- "$T" token create "$name"
    TOKEN[$name]=$(cat out)
    accounts+=("$name")
  done
done
expect 4 "user add twice" -- "$T" user add viewer-all --role admin
expect 0 "token --json" -- "$T" --json token create admin-all
json 'd["token"].startswith("tm_") and len(d["token"]) == 67' "token create --json"
second_token=$(python3 -c "import json; print(json.load(open('out'))['token'])")
second_id=$(python3 -c "import json; print(json.load(open('out'))['id'])")
expect 0 "user list" -- "$T" --json user list
json 'len(d) == 8 and [a["role"] for a in d if a["name"] == "operator-crm"] == ["operator"] and [a["sources"] for a in d if a["name"] == "operator-crm"] == [["crm"]] and len([a for a in d if a["name"] == "admin-all"][0]["tokens"]) == 2' "user list json"
if grep -rqF "${TOKEN[admin-all]}" repo cache 2>/dev/null; then
  failed=$((failed + 1)); echo "FAIL: a token is stored in the clear"; else passed=$((passed + 1)); fi
expect 0 "ledger of account changes" -- "$T" --json ledger show --action "token create"
json 'len(d) == 9 and all(t.startswith("account ") or t.startswith("token ") for e in d for t in e["targets"])' "token creations ledgered, no secret"
if grep -qF "${TOKEN[admin-all]}" out; then failed=$((failed + 1)); echo "FAIL: token in the ledger"; else passed=$((passed + 1)); fi

# 3. The server, on a port the kernel picks.
expect 2 "no TLS off loopback" -- "$T" serve --listen 0.0.0.0:0 --state-dir "$work/state"
contains err "give --tls-cert FILE and --tls-key FILE" "TLS required off loopback"
"$T" serve --listen 127.0.0.1:0 --port-file "$work/port" --state-dir "$work/state" \
  >serve.out 2>serve.log </dev/null &
server=$!
wait_for_file "$work/port" 20 || { cat serve.log; finish serve_cli; exit 1; }
base="http://127.0.0.1:$(cat "$work/port")"
tries=200
until curl -s -o /dev/null "$base/api/v1/openapi.json" || [ "$tries" -eq 0 ]; do
  sleep 0.05; tries=$((tries - 1)); done
contains serve.out "listening on http://127.0.0.1:" "listening line"
expect 4 "a second server is refused" -- "$T" serve --listen 127.0.0.1:0 --state-dir "$work/state"
contains err "another tidemark serve" "second server names the first"

req() {  # req METHOD PATH TOKEN [BODY]: the status code; the body in body
  local args=(-s --path-as-is -o body -w '%{http_code}' -X "$1")
  [ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
  [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  curl "${args[@]}" "$base$2"
}
code() {  # code WANT METHOD PATH TOKEN [BODY]
  local want=$1 got what="$2 $3 as ${who:-?}"
  shift
  got=$(req "$@")
  if [ "$got" = "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $what: HTTP $got, want $want"; head -c 300 body; echo; fi
}

# 4. The RBAC matrix. Reads: every account may read its sources; a scoped
# one gets 404 for another source's snapshot and 403 for naming that source.
crm_path="/api/v1/snapshots/$crm_snap"
hr_path="/api/v1/snapshots/$hr_snap"
reads_in=(/api/v1/status /api/v1/sources /api/v1/snapshots /api/v1/snapshots?source=crm
  "$crm_path" "$crm_path/tables/items/records" "$crm_path/tables/items/records/1"
  /api/v1/alerts /api/v1/holds /metrics)
acked_crm=0 acked_hr=0
for who in "${accounts[@]}"; do
  tok=${TOKEN[$who]}
  scoped=0; [[ $who == *-crm ]] && scoped=1
  role=${who%-*}
  for p in "${reads_in[@]}"; do code 200 GET "$p" "$tok"; done
  for p in "$hr_path" "$hr_path/tables/items/records" "$hr_path/tables/items/records/1"; do
    code $([ $scoped = 1 ] && echo 404 || echo 200) GET "$p" "$tok"
  done
  code $([ $scoped = 1 ] && echo 403 || echo 200) GET "/api/v1/snapshots?source=hr" "$tok"
  code $([ $scoped = 1 ] && echo 403 || echo 200) GET /api/v1/ledger "$tok"
  # Acknowledging: operator and up, on its own sources; the first time 200, then 409.
  if [ "$role" = viewer ]; then
    code 403 POST "/api/v1/alerts/$crm_alert/ack" "$tok" '{"reason":"seen"}'
    code 403 POST "/api/v1/alerts/$hr_alert/ack" "$tok" '{"reason":"seen"}'
  else
    code $([ $acked_crm = 1 ] && echo 409 || echo 200) POST "/api/v1/alerts/$crm_alert/ack" "$tok" "{\"reason\":\"seen by $who\"}"
    acked_crm=1
    if [ $scoped = 1 ]; then
      code 404 POST "/api/v1/alerts/$hr_alert/ack" "$tok" '{"reason":"seen"}'
    else
      code $([ $acked_hr = 1 ] && echo 409 || echo 200) POST "/api/v1/alerts/$hr_alert/ack" "$tok" "{\"reason\":\"seen by $who\"}"
      acked_hr=1
    fi
  fi
done
# No token and a wrong token: 401 on every endpoint but the OpenAPI document.
wrong="tm_$(printf '0%.0s' {1..64})"
for who in none wrong; do
  tok=""; [ "$who" = wrong ] && tok=$wrong
  for p in "${reads_in[@]}" "$hr_path" /api/v1/ledger; do code 401 GET "$p" "$tok"; done
  code 401 POST "/api/v1/alerts/$crm_alert/ack" "$tok" '{"reason":"x"}'
  code 200 GET /api/v1/openapi.json "$tok"
done
who=garbage code 401 GET /api/v1/status "not-a-token"
req GET /api/v1/status "" >/dev/null
cp body out
json 'd["status"] == 401 and d["class"] == "permission" and d["type"] == "urn:tidemark:problem:unauthorized"' "401 problem document"

# What a scoped account sees of lists.
who=viewer-crm
code 200 GET /api/v1/snapshots "${TOKEN[viewer-crm]}"
cp body out
json 'len(d["items"]) == 2 and all(s["source"] == "crm" for s in d["items"])' "scoped snapshot list"
code 200 GET /api/v1/holds "${TOKEN[viewer-crm]}"; cp body out
json 'd["items"] == []' "scoped hold list: hr's hold not shown"
code 200 GET /api/v1/holds "${TOKEN[viewer-all]}"; cp body out
json 'len(d["items"]) == 1 and d["items"][0]["source"] == "hr"' "unscoped hold list"
code 200 GET "/api/v1/alerts?all=true" "${TOKEN[viewer-crm]}"; cp body out
json 'all(a["source"] == "crm" for a in d["items"]) and all(a["acknowledged"] for a in d["items"] if a["id"] == "'"$crm_alert"'")' "scoped alert list"
code 200 GET "/api/v1/snapshots?limit=1" "${TOKEN[viewer-all]}"; cp body out
json 'len(d["items"]) == 1 and "next_after" in d' "first page"
code 200 GET "/api/v1/snapshots?limit=10&after=$(python3 -c "import json; print(json.load(open('out'))['next_after'])")" "${TOKEN[viewer-all]}"; cp body out
json 'len(d["items"]) == 3 and "next_after" not in d' "second page"
code 200 GET "$crm_path/tables/items/records?limit=5" "${TOKEN[viewer-crm]}"; cp body out
json 'len(d["records"]) == 5 and d["next_after"] == "9"' "records page (odd ids remain)"
code 200 GET "$crm_path/tables/items/records/25" "${TOKEN[viewer-crm]}"; cp body out
json 'd["fields"]["name"] == "crm item 25"' "one record"

# The ledger names the account that acknowledged.
expect 0 "ledger" -- "$T" --json ledger show --action alert
json 'any(e["actor"].startswith("operator-all@") and e["outcome"] == "acknowledged" and "POST /api/v1/alerts/" in e["args"]["command"] for e in d)' "ack ledgered with the account as actor"

# 5. Bad requests: the right 4xx, a problem document, never a crash.
tok=${TOKEN[admin-all]}
who=admin-all
code 400 POST "/api/v1/alerts/$crm_alert/ack" "$tok" '{"reason": '
cp body out
json 'd["class"] == "usage" and "not JSON" in d["detail"]' "malformed JSON"
code 400 POST "/api/v1/alerts/$crm_alert/ack" "$tok" '["reason"]'
code 400 POST "/api/v1/alerts/$crm_alert/ack" "$tok" '{"reason": 5}'
head -c 2000000 /dev/zero | tr '\0' 'a' >big.json
code 413 POST "/api/v1/alerts/$crm_alert/ack" "$tok" @big.json
cp body out
json 'd["status"] == 413 and d["type"] == "urn:tidemark:problem:payload-too-large"' "huge body"
code 400 GET "/api/v1/snapshots/../../etc/passwd" "$tok"
code 400 GET "/api/v1/snapshots/%2e%2e/tables/x/records" "$tok"
code 400 GET "/api/v1/snapshots/a%01b" "$tok"
code 400 GET "/api/v1/snapshots/%ff" "$tok"
code 400 GET "//api/v1/status" "$tok"
code 404 GET "/api/v1/snapshots/0000000000000000000000000000000000000000000000000000000000000000" "$tok"
cp body out
json 'd["class"] == "error" and d["status"] == 404' "unknown snapshot id"
code 404 GET "$crm_path/tables/nope/records" "$tok"
code 400 GET "$crm_path/tables/items/records/%5B1%2C2%5D" "$tok"
code 404 GET "$crm_path/tables/items/records/2" "$tok"
code 400 GET "/api/v1/snapshots?limit=5000" "$tok"
code 400 GET "/api/v1/ledger?after=x" "$tok"
code 404 GET "/api/v1/nothing" "$tok"
code 405 DELETE "/api/v1/status" "$tok"
code 404 POST "/api/v1/alerts/nope/ack" "$tok" '{"reason":"x"}'
code 200 GET /api/v1/openapi.json ""; cp body out
json 'd["openapi"].startswith("3.") and all(p in d["paths"] for p in ["/api/v1/status", "/api/v1/snapshots/{id}/tables/{table}/records/{key}", "/api/v1/alerts/{snapshot}/{index}/ack", "/metrics"])' "openapi lists the endpoints"

# 6. /api/v1/status is `tidemark status --json`; /metrics agrees with it.
"$T" --json status >status.json 2>/dev/null
code 200 GET /api/v1/status "$tok"
check_eq "$(python3 -c "import json; print(json.load(open('body')) == json.load(open('status.json')))")" True "API status = CLI status"
code 200 GET /metrics "$tok"
cp body metrics.txt
if "$PY" - metrics.txt status.json <<'PYEOF'; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: metrics disagree with status"; fi
import json, sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
status = json.load(open(sys.argv[2]))
def value(name, **labels):
    for s in fams[name].samples:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise SystemExit(f"no sample {name} {labels}")
for src in status["sources"]:
    n = src["name"]
    assert value("tidemark_snapshots", source=n) == src["retention"]["snapshots"], n
    assert value("tidemark_anomalies_open", source=n) == src["anomalies"]["open"], n
    assert value("tidemark_rpo_ok", source=n) == (1 if src["backup"]["state"] == "ok" else 0), n
    assert value("tidemark_source_ok", source=n) == (1 if src["ok"] else 0), n
    assert abs(value("tidemark_backup_age_seconds", source=n) - src["backup"]["age_us"] / 1e6) < 1e-6, n
    if "rpo_us" in src["backup"]:
        assert value("tidemark_rpo_target_seconds", source=n) == src["backup"]["rpo_us"] / 1e6, n
assert value("tidemark_out_of_policy") == status["out_of_policy"]
assert value("tidemark_http_requests", code="200") > 0
assert value("tidemark_http_requests", code="401") > 0
assert value("tidemark_repository_packs") > 0
PYEOF
code 200 GET /metrics "${TOKEN[viewer-crm]}"
if grep -q 'source="hr"\|tidemark_http_requests' body; then
  failed=$((failed + 1)); echo "FAIL: a scoped account's metrics show other sources"; else passed=$((passed + 1)); fi
code 200 GET /api/v1/status "${TOKEN[viewer-crm]}"; cp body out
json '[s["name"] for s in d["sources"]] == ["crm"]' "scoped status"

# A token revoked while the server runs stops working within its refresh interval.
expect 0 "revoke" -- "$T" token revoke admin-all "$second_id"
tries=100 got=200
while [ "$got" != 401 ] && [ "$tries" -gt 0 ]; do
  got=$(req GET /api/v1/status "$second_token"); [ "$got" = 401 ] || sleep 0.05; tries=$((tries - 1)); done
check_eq "$got" 401 "revoked token refused by the running server"

# 7. SIGTERM: a clean stop, exit 0; the repository checks out.
kill -TERM "$server"
wait "$server"
check_eq "$?" 0 "server exit status after SIGTERM"
contains serve.log "tidemark serve: stopped" "stopped line"
contains serve.log "GET \"/api/v1/status\" 200" "request log line"
for who in "${accounts[@]}"; do
  if grep -qF "${TOKEN[$who]}" serve.log serve.out; then
    failed=$((failed + 1)); echo "FAIL: token of $who in the log"; else passed=$((passed + 1)); fi
done
expect 0 "check after the server" -- "$T" check

finish serve_cli
