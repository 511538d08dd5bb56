#!/usr/bin/env bash
# The files: connector and the node-red profile end to end, on a Node-RED
# userdir (tests/fixtures/node-red; docs/guide/sources.md "files:",
# docs/guide/platforms.md): backup, what the profile says, diff against
# live, rollback of the flows table (byte for byte), restore to a new
# folder, check; a rollback that would change two files is refused; a crash
# at every write step leaves flows.json old or new, never partial.
# Usage: files_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: files_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

fixture="$here/tests/fixtures/node-red"
snap() { python3 -c "import json; print(json.load(open('out'))['snapshot'])"; }
# edit_flows PYTHON: runs PYTHON with f = the nodes of ud/flows.json, writes them
# back as Node-RED does (4 spaces, no final newline).
edit_flows() {
  python3 -c "import json; f = json.load(open('ud/flows.json')); $1
open('ud/flows.json', 'w').write(json.dumps(f, indent=4, ensure_ascii=False))"
}
cp -a "$fixture" ud
# A configured source: its profile is `auto` (the default), which detects Node-RED.
cat >tidemark.toml <<TOML
[[source]]
name = "nodered"
uri = "files:$work/ud"

[[drill]]
name = "nr"
source = "nodered"
TOML

expect 0 "init" -- "$T" init
expect 0 "backup a Node-RED userdir" -- "$T" --json backup nodered
json 'd["tables"] == 5 and d["records"] == 15 and d["integrity_problems"] == []' "5 tables, 15 records"
A=$(snap)
expect 0 "show" -- "$T" --json show nodered@latest
json 'd["annotations"]["profile"] == "node-red"' "the node-red profile was detected"
json '{"child": "flows.z", "parent": "flows.id", "on_delete": ""} in d["annotations"]["relations"]' "node -> tab relation"
json 'any(t["table"] == ".sessions.json" and t["role"] == "transient" for t in d["annotations"]["tables"])' \
  ".sessions.json is transient"
expect 0 "show (human)" -- "$T" show nodered@latest
contains out 'flows_cred.json (table): 1 rows' "the credentials file is one opaque row"
contains out 'shown as "Flow credentials", secret: content' "the credentials are secret"
contains out 'flows (table): 11 rows' "one record per node"
expect 0 "ls flows" -- "$T" ls nodered@latest flows
contains out 'n2' "ls lists the nodes"

# Damage: change a node's URL and delete the nodes of tab t2.
edit_flows "
for n in f:
    if n['id'] == 'n2': n['url'] = 'https://evil.example/'
f = [n for n in f if n.get('z') != 't2']"
expect 0 "diff against live" -- "$T" --json diff nodered@latest live
json '[(t["name"], t["added"], t["removed"], t["changed"]) for t in d["tables"]] == [("flows", 0, 3, 2)]' \
  "diff: 3 nodes removed, n2 and b1 (its neighbour) changed"
expect 0 "diff (human)" -- "$T" diff nodered@latest live
contains out '~ n2  doc:' "diff names the changed node"
contains out '- a1' "diff names a removed node"
expect 0 "backup the damage" -- "$T" --json backup nodered

expect 0 "rollback the flows table" -- "$T" --json rollback nodered --to "$A" --table flows --yes
check_eq "$(cmp ud/flows.json "$fixture/flows.json" && echo same)" same "flows.json is the original, byte for byte"
expect 0 "diff after rollback" -- "$T" --json diff "$A" live
json 'all(t["added"] == 0 and t["removed"] == 0 and t["changed"] == 0 for t in d["tables"])' "live equals the snapshot"

expect 0 "restore to a new folder" -- "$T" restore "$A" --to "files:$work/new"
check_eq "$(diff -r "$fixture" new >/dev/null && echo same)" same "the restored folder is the userdir"
expect 4 "restore onto it again" -- "$T" restore "$A" --to "files:$work/new"
expect 0 "check" -- "$T" check
expect 0 "a restore drill (restore, JSON check, schema objects, the z relation)" -- "$T" --json drill nr
json 'd["passed"] and d["failed"] == 0' "the drill passes"

# A rollback that would change two files is refused; nothing is written.
edit_flows "f[2]['name'] = 'renamed'"
printf '{"$":"another secret"}' >ud/flows_cred.json
cp ud/flows.json flows.before; cp ud/flows_cred.json cred.before
expect 0 "backup two changed files" -- "$T" --json backup nodered
expect 4 "rollback of two files refused" -- "$T" rollback nodered --to "$A" --yes
contains err "would change 2 files (flows.json, flows_cred.json)" "the refusal names the files"
contains err "Roll back one table (--table)" "the refusal says what to do"
check_eq "$(cmp ud/flows.json flows.before && cmp ud/flows_cred.json cred.before && echo same)" same \
  "nothing was written"
expect 0 "roll back the credentials alone" -- "$T" rollback nodered --to "$A" --table flows_cred.json --yes
check_eq "$(cmp ud/flows_cred.json "$fixture/flows_cred.json" && echo same)" same "credentials back"

# A crash just before the rename: flows.json is the old file, the temp file
# is left and the next run removes it and completes.
expect 0 "backup" -- "$T" --json backup nodered
TIDEMARK_CRASH_AT=files-before-rename "$T" rollback nodered --to "$A" --table flows --yes >/dev/null 2>&1
check_eq "$?" 86 "crash before the rename"
check_eq "$(cmp ud/flows.json flows.before && echo old)" old "crash: flows.json is the old file"
check_eq "$(ls -A ud | grep -c tidemark-tmp)" 1 "crash: the temp file is left"
expect 0 "the next run" -- "$T" rollback nodered --to "$A" --table flows --yes
check_eq "$(cmp ud/flows.json "$fixture/flows.json" && echo new)" new "the next run completes"
check_eq "$(ls -A ud | grep -c tidemark-tmp)" 0 "the temp file is gone"
expect 0 "check at the end" -- "$T" check

# A deleted tab comes back with its nodes (deleted with it: the z relation).
edit_flows "f = [n for n in f if n['id'] != 't2' and n.get('z') != 't2']"
expect 0 "backup: tab t2 deleted" -- "$T" --json backup nodered
expect 0 "rollback one tab" -- "$T" --json rollback nodered --to "$A" --table flows --key t2 --yes
json 'sorted(r["key"] for t in d["tables"] for r in t["records"]) == ["a1", "a2", "a3", "t2"]' \
  "the tab and its three nodes"
same_nodes=$(python3 -c "import json; k = lambda p: sorted(json.dumps(n) for n in json.load(open(p)))
print(k('ud/flows.json') == k('$fixture/flows.json'))")
check_eq "$same_nodes" True "every node is back"

# Every flow deleted: Node-RED writes "[]". The table stays, and comes back whole.
printf '[]' >ud/flows.json
expect 0 "backup: every flow deleted" -- "$T" --json backup nodered
expect 0 "rollback into an empty flows.json" -- "$T" --json rollback nodered --to "$A" --table flows --yes
check_eq "$(cmp ud/flows.json "$fixture/flows.json" && echo same)" same "flows.json is back, byte for byte"

# A backup by URI detects the profile too.
expect 0 "backup the restored folder by URI" -- "$T" --json backup "files:$work/new" --name copy
expect 0 "show it" -- "$T" --json show copy@latest
json 'd["annotations"]["profile"] == "node-red"' "URI backup: node-red detected"
finish files_cli
