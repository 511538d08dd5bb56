#!/usr/bin/env bash
# tidemark on a real Directus (directus 11.3.5 from npm, cached in
# ~/.cache/tidemark/directus; docs/guide/platforms.md "Directus"): two
# collections with a many-to-one relation, items, and a flow with an
# operation made through Directus's REST API; the SQLite file backed up
# while Directus runs; an author deleted (its books' links cleared by the
# foreign key) and the flow's operation changed through the API; both
# rolled back with tidemark, by display name; Directus restarted, and its API
# gives the author, the links and the operation as they were. An install or
# start failure fails the test.
# Usage: directus_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: directus_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

db="$work/app.db"
export DIRECTUS_ADMIN_TOKEN=tidemark-admin-token
start_directus() {
  local line=""
  coproc DIRECTUS { exec bash "$here/tests/directus/directus.sh" serve "$db" "$work/directus.log"; }
  read -r -t 900 line <&"${DIRECTUS[0]}"
  case "$line" in
    "port "*) DX_PORT=${line#port } ;;
    *) echo "FAIL: Directus did not start (said '$line'); its log:" >&2
       tail -20 "$work/directus.log" >&2
       exit 1 ;;
  esac
}
stop_directus() {
  local pid=$DIRECTUS_PID
  eval "exec ${DIRECTUS[1]}>&-"
  wait "$pid"
}
dx_api() {  # dx_api METHOD PATH [JSON]: exit 0 on a 2xx answer, the body in out
  python3 - "$DX_PORT" "$DIRECTUS_ADMIN_TOKEN" "$@" <<'PY'
import sys, urllib.request, urllib.error
port, token, method, path = sys.argv[1:5]
body = sys.argv[5].encode() if len(sys.argv) > 5 else None
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                             headers={"Content-Type": "application/json",
                                      "Authorization": f"Bearer {token}"})
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        open("out", "wb").write(r.read() or b"{}")
except urllib.error.HTTPError as e:
    print(f"dx_api {method} {path}: {e.code} {e.read()[:300]!r}", file=sys.stderr)
    sys.exit(1)
except Exception as e:
    print(f"dx_api {method} {path}: {e}", file=sys.stderr)
    sys.exit(1)
PY
}
val() { python3 -c "import json,sys; d=json.load(open('out')); print($1)"; }

expect 0 "init" -- "$T" init
expect 0 "bootstrap Directus" -- bash "$here/tests/directus/directus.sh" bootstrap "$db" "$work/directus.log"
start_directus

# --- the app, through Directus's API ------------------------------------
pk='{"field": "id", "type": "integer", "meta": {"hidden": true}, "schema": {"is_primary_key": true, "has_auto_increment": true}}'
expect 0 "create authors (shown as Writers)" -- dx_api POST /collections \
  "{\"collection\": \"authors\", \"schema\": {}, \"meta\": {\"translations\": [{\"language\": \"en-US\", \"translation\": \"Writers\"}]},
    \"fields\": [$pk, {\"field\": \"name\", \"type\": \"string\"}]}"
expect 0 "create books" -- dx_api POST /collections \
  "{\"collection\": \"books\", \"schema\": {}, \"meta\": {},
    \"fields\": [$pk, {\"field\": \"title\", \"type\": \"string\"},
                 {\"field\": \"author\", \"type\": \"integer\", \"meta\": {\"interface\": \"select-dropdown-m2o\"}}]}"
expect 0 "relate books.author to authors" -- dx_api POST /relations \
  '{"collection": "books", "field": "author", "related_collection": "authors", "schema": {"on_delete": "SET NULL"}}'
expect 0 "add authors" -- dx_api POST /items/authors '[{"name": "Ursula"}, {"name": "Terry"}]'
expect 0 "add books" -- dx_api POST /items/books \
  '[{"title": "Earthsea", "author": 1}, {"title": "Lathe of Heaven", "author": 1}, {"title": "Mort", "author": 2}]'
expect 0 "a flow" -- dx_api POST /flows \
  '{"name": "Greeter", "status": "active", "trigger": "manual", "options": {"collections": ["books"]}}'
flow=$(val 'd["data"]["id"]')
expect 0 "its operation" -- dx_api POST /operations \
  "{\"flow\": \"$flow\", \"name\": \"Say hello\", \"key\": \"hello\", \"type\": \"log\", \"position_x\": 19, \"position_y\": 1,
    \"options\": {\"message\": \"hello from tidemark\"}}"
op=$(val 'd["data"]["id"]')
expect 0 "the flow starts with it" -- dx_api PATCH "/flows/$flow" "{\"operation\": \"$op\"}"

# --- backup while Directus runs -----------------------------------------
expect 0 "backup" -- "$T" --json backup "sqlite:$db" --name dx
A=$(val 'd["snapshot"]')
# TIDEMARK_DIRECTUS_FIXTURE=FILE: the database as backed up, as SQL, for
# tests/fixtures/directus/ (its README says how it is made).
if [ -n "${TIDEMARK_DIRECTUS_FIXTURE:-}" ]; then
  python3 -c "import sqlite3, sys; open(sys.argv[2], 'w').write('\n'.join(sqlite3.connect(sys.argv[1]).iterdump()) + '\n')" \
    "$db" "$TIDEMARK_DIRECTUS_FIXTURE"
fi
expect 0 "show" -- "$T" --json show dx@latest
json 'd["annotations"]["profile"] == "directus"' "the directus profile was detected"
cp out show.json
check_eq "$(python3 - <<'PY'
import json
d = json.load(open("show.json"))
a = d["annotations"]
t = {x["table"]: x for x in a["tables"]}
fk = [x for x in d["tables"] if x["name"] == "books"]
ok = (t["authors"]["display_name"] == "Writers" and t["books"]["display_name"] == "Books"
      and t["directus_activity"]["role"] == "transient" and t["directus_revisions"]["role"] == "transient"
      and t["directus_sessions"]["role"] == "transient" and t["directus_flows"]["role"] == "metadata"
      and any(c["column"] == "token" and c["secret"] for c in t["directus_users"]["columns"])
      and not any(r["child"] == "books.author" for r in a["relations"]))  # a SQL foreign key says it
print("ok" if ok else json.dumps(a)[:1500])
PY
)" ok "annotations: collection titles, transient activity, secret token, no relation a foreign key says"

# --- damage through the API ---------------------------------------------
expect 0 "delete Ursula" -- dx_api DELETE /items/authors/1
expect 0 "her books lost their author" -- dx_api GET "/items/books?filter[author][_null]=true"
json 'sorted(b["title"] for b in d["data"]) == ["Earthsea", "Lathe of Heaven"]' "the foreign key cleared the links"
expect 0 "change the operation" -- dx_api PATCH "/operations/$op" '{"options": {"message": "pwned"}}'
expect 0 "backup the damage" -- "$T" --json backup "sqlite:$db" --name dx

# --- rollback while Directus runs, by display names ---------------------
expect 0 "rollback Ursula (dry run)" -- "$T" --json rollback dx --to "$A" --table Writers --key 1 --dry-run
json 'sorted((t["table"], t["inserts"], t["updates"]) for t in d["tables"]) == [("authors", 1, 0), ("books", 0, 2)]' \
  "plan: Ursula and her 2 books' links"
expect 0 "rollback Ursula" -- "$T" --json rollback dx --to "$A" --table Writers --key 1 --yes
expect 0 "rollback the operation" -- "$T" --json rollback dx --to "$A" --table "Flow operations" --key "$op" --yes

# --- Directus restarted: its API sees what was there --------------------
stop_directus
check_eq "$?" 0 "Directus stopped"
start_directus
expect 0 "Ursula" -- dx_api GET /items/authors/1
json 'd["data"]["name"] == "Ursula"' "Ursula is back"
expect 0 "her books" -- dx_api GET "/items/books?filter[author][_eq]=1"
json 'sorted(b["title"] for b in d["data"]) == ["Earthsea", "Lathe of Heaven"]' "her books' links are back"
expect 0 "the operation" -- dx_api GET "/operations/$op"
json 'd["data"]["options"]["message"] == "hello from tidemark"' "the operation is as it was"
stop_directus
expect 0 "check" -- "$T" check
finish directus_cli
