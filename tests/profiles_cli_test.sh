#!/usr/bin/env bash
# Profiles (docs/architecture.md "Profiles", docs/guide/config.md): the
# generic profile's input in tidemark.toml (metadata, transient, secret,
# [[source.relation]]) is stored with each snapshot as schema annotations,
# shown by `show`, and keeps its meaning when tidemark.toml changes later.
# An unknown profile is refused with the list of known ones.
# Usage: profiles_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: profiles_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
use_test_clock 2026-12-01T10:00:00Z

sqlite3 app.db "
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, api_key TEXT);
CREATE TABLE activities(id INTEGER PRIMARY KEY, customer_ref INTEGER, kind TEXT);
CREATE TABLE nc_views(id TEXT PRIMARY KEY, meta TEXT);
CREATE TABLE sessions(id INTEGER PRIMARY KEY, token TEXT);
INSERT INTO customers VALUES (1, 'Ada', 'k1'), (2, 'Bob', 'k2');
INSERT INTO activities VALUES (1, 1, 'call'), (2, 2, 'mail');
INSERT INTO nc_views VALUES ('v1', '{}');
INSERT INTO sessions VALUES (1, 't');"

with_profile() {  # the source with the generic profile's input
  cat >tidemark.toml <<TOML
[[source]]
name = "app"
uri = "sqlite:$work/app.db"
metadata = ["nc_*"]
transient = ["sessions"]
secret = ["*.api_key"]
[[source.relation]]
child = "activities.customer_ref"
parent = "customers.id"
TOML
}
without_profile_input() {
  cat >tidemark.toml <<TOML
[[source]]
name = "app"
uri = "sqlite:$work/app.db"
TOML
}

expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1

# 1. An unknown profile names the known ones.
printf '[[source]]\nname = "a"\nuri = "sqlite:a.db"\nprofile = "baserow"\n' >bad.toml
expect 2 "unknown profile" -- "$T" --config bad.toml config check
contains err 'bad.toml:4:11: source '"'"'a'"'"'.profile: unknown profile "baserow"; this build knows: generic, node-red, nocodb, directus, auto' \
  "unknown profile lists the known ones"

# 2. A backup stores the annotations; show prints them.
with_profile
expect 0 "backup with the profile's input" -- "$T" --json backup app
first=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
expect 0 "show the annotated snapshot" -- "$T" show "$first"
contains out "nc_views (table): 1 rows" "show lists the metadata table"
contains out ", metadata" "show names the metadata role"
contains out ", transient" "show names the transient role"
contains out "secret: api_key" "show names the secret column"
contains out "profile    generic" "show names the profile"
contains out "relation   activities.customer_ref -> customers.id" "show lists the declared relation"
expect 0 "show --json" -- "$T" --json show "$first"
json 'd["annotations"]["profile"] == "generic" and d["annotations"]["relations"] == [{"child": "activities.customer_ref", "parent": "customers.id", "on_delete": ""}]' \
  "show --json holds the relation"
json '{t["table"]: t["role"] for t in d["annotations"]["tables"]} == {"customers": "data", "nc_views": "metadata", "sessions": "transient"}' \
  "show --json holds the roles"

# 3. tidemark.toml changes: the old snapshot keeps its annotations; the new
#    one has none (and is written as before annotations existed).
without_profile_input
sqlite3 app.db "INSERT INTO customers VALUES (3, 'Cy', 'k3');"
advance_clock 1h
expect 0 "backup without the profile's input" -- "$T" --json backup app
second=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
expect 0 "show the old snapshot after the change" -- "$T" --json show "$first"
json 'd["annotations"]["relations"][0]["parent"] == "customers.id"' "the old snapshot keeps its relation"
expect 0 "show the new snapshot" -- "$T" --json show "$second"
json '"annotations" not in d' "the new snapshot has no annotations"
expect 0 "show the new snapshot (text)" -- "$T" show "$second"
if grep -q "^relation \|^profile " out; then failed=$((failed + 1)); echo "FAIL: new snapshot shows annotations"; else passed=$((passed + 1)); fi

# 4. A relation that does not resolve refuses the backup before anything is written.
with_profile
sed -i 's/activities.customer_ref/activities.cust_id/' tidemark.toml
expect 2 "backup with a broken relation" -- "$T" backup app
contains err "source 'app' [[source.relation]]: relation \"activities.cust_id -> customers.id\": table activities has no column cust_id" \
  "the broken relation is named"
contains err "(no snapshot was written)" "nothing was written"

finish profiles_cli_test
