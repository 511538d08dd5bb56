#!/usr/bin/env bash
# tidemark on a real NocoDB (nocodb 0.262.5 from npm, cached in
# ~/.cache/tidemark/nocodb; docs/guide/platforms.md "NocoDB"): a base with
# two tables linked has-many and many-to-many, records and links, a view
# with a filter and an API token made through NocoDB's REST API; the SQLite
# file backed up while NocoDB runs; an author with links deleted and the
# view's filter changed through the API; the author rolled back with its
# links, the filter rolled back; NocoDB restarted, and its API gives the
# author, its links and the view's records as they were. An install or
# start failure fails the test.
# Usage: nocodb_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: nocodb_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
source "$here/tests/nocodb/nocodb_lib.sh"

db="$work/noco.db"
val() { python3 -c "import json,sys; d=json.load(open('out')); print($1)"; }
expect 0 "init" -- "$T" init
start_nocodb "$db"

# --- the app, through NocoDB's API --------------------------------------
expect 0 "sign up the first user" -- nc_api POST /api/v1/auth/user/signup \
  '{"email": "admin@example.com", "password": "Tidemark-test-1"}'
NC_AUTH=$(val 'd["token"]')
expect 0 "create a base" -- nc_api POST /api/v2/meta/bases '{"title": "Library"}'
base=$(val 'd["id"]')
id_col='{"column_name": "id", "title": "Id", "uidt": "ID"}'
expect 0 "create Authors" -- nc_api POST "/api/v2/meta/bases/$base/tables" \
  "{\"table_name\": \"authors\", \"title\": \"Authors\", \"columns\": [$id_col,
    {\"column_name\": \"name\", \"title\": \"Name\", \"uidt\": \"SingleLineText\", \"pv\": true}]}"
authors=$(val 'd["id"]')
expect 0 "create Books" -- nc_api POST "/api/v2/meta/bases/$base/tables" \
  "{\"table_name\": \"books\", \"title\": \"Books\", \"columns\": [$id_col,
    {\"column_name\": \"title\", \"title\": \"Title\", \"uidt\": \"SingleLineText\", \"pv\": true}]}"
books=$(val 'd["id"]')
title_col=$(val '[c["id"] for c in d["columns"] if c["title"] == "Title"][0]')
expect 0 "link Authors has-many Books" -- nc_api POST "/api/v2/meta/tables/$authors/columns" \
  "{\"uidt\": \"Links\", \"title\": \"Books\", \"parentId\": \"$authors\", \"childId\": \"$books\", \"type\": \"hm\"}"
expect 0 "link Authors many-to-many Books" -- nc_api POST "/api/v2/meta/tables/$authors/columns" \
  "{\"uidt\": \"Links\", \"title\": \"Favourites\", \"parentId\": \"$authors\", \"childId\": \"$books\", \"type\": \"mm\"}"
expect 0 "Authors' fields" -- nc_api GET "/api/v2/meta/tables/$authors"
written=$(val '[c["id"] for c in d["columns"] if c["title"] == "Books"][0]')
favs=$(val '[c["id"] for c in d["columns"] if c["title"] == "Favourites"][0]')
table_of() { val "d['table_name']"; }
authors_table=$(table_of)
expect 0 "add authors" -- nc_api POST "/api/v2/tables/$authors/records" '[{"Name": "Ursula"}, {"Name": "Terry"}]'
expect 0 "add books" -- nc_api POST "/api/v2/tables/$books/records" \
  '[{"Title": "Earthsea"}, {"Title": "Lathe of Heaven"}, {"Title": "Mort"}]'
expect 0 "Ursula wrote Earthsea and Lathe" -- nc_api POST "/api/v2/tables/$authors/links/$written/records/1" '[{"Id": 1}, {"Id": 2}]'
expect 0 "Terry wrote Mort" -- nc_api POST "/api/v2/tables/$authors/links/$written/records/2" '[{"Id": 3}]'
expect 0 "Ursula likes Mort" -- nc_api POST "/api/v2/tables/$authors/links/$favs/records/1" '[{"Id": 3}]'
expect 0 "Terry likes Earthsea" -- nc_api POST "/api/v2/tables/$authors/links/$favs/records/2" '[{"Id": 1}]'
expect 0 "a view of Books" -- nc_api POST "/api/v2/meta/tables/$books/grids" '{"title": "Earth books"}'
view=$(val 'd["id"]')
expect 0 "the view's filter" -- nc_api POST "/api/v2/meta/views/$view/filters" \
  "{\"fk_column_id\": \"$title_col\", \"comparison_op\": \"like\", \"value\": \"Earth\"}"
filter=$(val 'd["id"]')
expect 0 "an API token" -- nc_api POST "/api/v2/meta/bases/$base/api-tokens" '{"description": "ci"}'
token=$(val 'd["token"]')
expect 0 "the view's records" -- nc_api GET "/api/v2/tables/$books/records?viewId=$view"
json '[r["Title"] for r in d["list"]] == ["Earthsea"]' "the view shows Earthsea"

# --- backup while NocoDB runs -------------------------------------------
expect 0 "backup" -- "$T" --json backup "sqlite:$db" --name noco
A=$(val 'd["snapshot"]')
# TIDEMARK_NOCODB_FIXTURE=FILE: the database as backed up, as SQL, for
# tests/fixtures/nocodb/ (its README says how it is made).
if [ -n "${TIDEMARK_NOCODB_FIXTURE:-}" ]; then
  python3 -c "import sqlite3, sys; open(sys.argv[2], 'w').write('\n'.join(sqlite3.connect(sys.argv[1]).iterdump()) + '\n')" \
    "$db" "$TIDEMARK_NOCODB_FIXTURE"
fi
expect 0 "show" -- "$T" --json show noco@latest
json 'd["annotations"]["profile"] == "nocodb"' "the nocodb profile was detected"
cp out show.json
check_eq "$(python3 - "$authors_table" <<'PY'
import json, sys
a = json.load(open("show.json"))["annotations"]
t = {x["table"]: x for x in a["tables"]}
rels = {(r["child"].split(".")[0], r["parent"].split(".")[0], r["on_delete"]) for r in a["relations"]}
au = sys.argv[1]
books = [n for n, x in t.items() if x.get("display_name") == "Books"]
junction = [n for n in t if "_m2m_" in n]
ok = (t[au]["display_name"] == "Authors" and len(books) == 1 and len(junction) == 1
      and (books[0], au, "SET NULL") in rels and (junction[0], au, "CASCADE") in rels
      and (junction[0], books[0], "CASCADE") in rels
      and t["nc_api_tokens"]["role"] == "metadata"
      and any(c["column"] == "token" and c["secret"] for c in t["nc_api_tokens"]["columns"])
      and t["nc_audit_v2"]["role"] == "transient"
      and ("nc_filter_exp_v2", "nc_views_v2", "CASCADE") in rels)
print("ok" if ok else json.dumps(a)[:1500])
PY
)" ok "annotations: titles, hm and mm links, token secret, audit transient, view group"

# --- damage through the API ---------------------------------------------
expect 0 "delete Ursula (with links)" -- nc_api DELETE "/api/v2/tables/$authors/records" '[{"Id": 1}]'
expect 0 "change the view's filter" -- nc_api PATCH "/api/v2/meta/filters/$filter" \
  "{\"fk_column_id\": \"$title_col\", \"comparison_op\": \"like\", \"value\": \"Mort\"}"
expect 0 "the damaged view" -- nc_api GET "/api/v2/tables/$books/records?viewId=$view"
json '[r["Title"] for r in d["list"]] == ["Mort"]' "the damaged view shows Mort"
expect 0 "backup the damage" -- "$T" --json backup "sqlite:$db" --name noco

# --- secrets -------------------------------------------------------------
expect 0 "cat the API token" -- "$T" --json cat "$A" "API tokens" 1
json 'd["fields"]["token"] == "<secret>" and d["fields"]["description"] == "ci"' "cat masks the token"
expect 0 "ls the API tokens" -- "$T" ls "$A" nc_api_tokens
check_eq "$(grep -c -- "$token" out)" 0 "ls masks the token"
expect 0 "cat --show-secrets" -- "$T" --json cat "$A" nc_api_tokens 1 --show-secrets
json 'd["fields"]["token"] == "'"$token"'"' "--show-secrets prints it"

# --- platform names in commands -----------------------------------------
expect 0 "ls Authors (a display name)" -- "$T" --json ls "$A" Authors
json 'len(d["records"]) == 2' "ls by display name lists the two authors"
expect 0 "cat Authors 1" -- "$T" --json cat "$A" Authors 1
json 'd["fields"]["name"] == "Ursula"' "cat by display name"
expect 0 "history Authors 1" -- "$T" --json history noco Authors 1
json 'd["table"] == "'"$authors_table"'" and [v["state"] for v in d["versions"]] == ["appeared", "deleted"]' \
  "history by display name: appeared, deleted"

# --- rollback while NocoDB runs -----------------------------------------
expect 0 "rollback Ursula (dry run)" -- "$T" --json rollback noco --to "$A" \
  --table Authors --key 1 --dry-run
check_eq "$(python3 - <<'PY'
import json
d = json.load(open("out"))
rows = {}
for t in d["tables"]:
    rows[t["table"]] = (t["inserts"], t["updates"], t["deletes"])
print(sorted(rows.values()))
PY
)" "[(0, 2, 0), (1, 0, 0), (1, 0, 0)]" "plan: Ursula, 2 book links, 1 junction row"
expect 0 "rollback Ursula" -- "$T" --json rollback noco --to "$A" --table Authors --key 1 --yes
expect 0 "rollback the filter" -- "$T" --json rollback noco --to "$A" --table nc_filter_exp_v2 \
  --key "$filter" --yes

# --- NocoDB restarted: its API sees what was there ----------------------
stop_nocodb
check_eq "$?" 0 "NocoDB stopped"
start_nocodb "$db"
expect 0 "Ursula" -- nc_api GET "/api/v2/tables/$authors/records/1"
json 'd["Name"] == "Ursula"' "Ursula is back"
expect 0 "Ursula's books" -- nc_api GET "/api/v2/tables/$authors/links/$written/records/1"
json 'sorted(r["Title"] for r in d["list"]) == ["Earthsea", "Lathe of Heaven"]' "her has-many links are back"
expect 0 "Ursula's favourites" -- nc_api GET "/api/v2/tables/$authors/links/$favs/records/1"
json '[r["Title"] for r in d["list"]] == ["Mort"]' "her many-to-many link is back"
expect 0 "the view's records" -- nc_api GET "/api/v2/tables/$books/records?viewId=$view"
json '[r["Title"] for r in d["list"]] == ["Earthsea"]' "the view filters Earth again"
NC_AUTH="" expect 0 "the API token still works" -- python3 - "$NC_PORT" "$token" "$books" <<'PY'
import sys, urllib.request
port, token, books = sys.argv[1:4]
req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/tables/{books}/records",
                             headers={"xc-token": token})
urllib.request.urlopen(req, timeout=60).read()
PY
stop_nocodb
expect 0 "check" -- "$T" check
finish nocodb_cli
