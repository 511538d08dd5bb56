#!/usr/bin/env bash
# tidemark on a real Node-RED (node-red 4.1.x from npm, cached in
# ~/.cache/tidemark/node-red; docs/guide/platforms.md): flows created through
# its admin API (POST /flows), the userdir backed up, a flow changed and a
# tab's nodes deleted through the API, rolled back with tidemark, Node-RED
# restarted, and GET /flows gives the flows as they were. An install or
# start failure fails the test.
# Usage: node_red_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: node_red_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
source "$here/tests/node-red/nodered_lib.sh"

ud="$work/userdir"
expect 0 "init" -- "$T" init
start_nodered "$ud"
cat >flows.in <<'JSON'
[
  {"id": "tab1", "type": "tab", "label": "Orders", "disabled": false, "info": ""},
  {"id": "tab2", "type": "tab", "label": "Alerts", "disabled": false, "info": ""},
  {"id": "inj1", "type": "inject", "z": "tab1", "name": "tick", "props": [{"p": "payload"}],
   "repeat": "", "once": false, "topic": "", "payload": "21", "payloadType": "num",
   "x": 100, "y": 80, "wires": [["fn1"]]},
  {"id": "fn1", "type": "function", "z": "tab1", "name": "double",
   "func": "msg.payload = msg.payload * 2;\nreturn msg;", "outputs": 1,
   "x": 300, "y": 80, "wires": [["dbg1"]]},
  {"id": "dbg1", "type": "debug", "z": "tab1", "name": "out", "active": true,
   "tosidebar": true, "complete": "payload", "x": 500, "y": 80, "wires": []},
  {"id": "inj2", "type": "inject", "z": "tab2", "name": "alarm", "props": [{"p": "payload"}],
   "repeat": "", "once": false, "topic": "", "payload": "fire", "payloadType": "str",
   "x": 100, "y": 80, "wires": [["chg2"]]},
  {"id": "chg2", "type": "change", "z": "tab2", "name": "upper",
   "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": "ALERT", "tot": "str"}],
   "x": 300, "y": 80, "wires": [["dbg2"]]},
  {"id": "dbg2", "type": "debug", "z": "tab2", "name": "alerts", "active": true,
   "tosidebar": true, "complete": "true", "x": 500, "y": 80, "wires": []}
]
JSON
expect 0 "deploy flows through the admin API" -- nr_api POST /flows flows.in
expect 0 "GET /flows" -- nr_api GET /flows
cp out flows.deployed
json 'len(d) == 8 and {n["id"] for n in d} == {"tab1", "tab2", "inj1", "fn1", "dbg1", "inj2", "chg2", "dbg2"}' \
  "Node-RED holds the 8 nodes"
check_eq "$(test -s "$ud/flows.json" && echo written)" written "Node-RED wrote flows.json"
cp "$ud/flows.json" flows.file

expect 0 "backup the userdir" -- "$T" --json backup "files:$ud" --name nodered
A=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
expect 0 "show" -- "$T" --json show nodered@latest
json 'd["annotations"]["profile"] == "node-red"' "the node-red profile was detected"

# Damage through the API: fn1 changed, tab2's nodes deleted.
python3 -c "
import json
f = json.load(open('flows.deployed'))
for n in f:
    if n['id'] == 'fn1': n['func'] = 'msg.payload = 0;\nreturn msg;'
f = [n for n in f if n.get('z') != 'tab2']
json.dump(f, open('flows.damaged', 'w'))"
expect 0 "deploy the damage" -- nr_api POST /flows flows.damaged
expect 0 "GET /flows (damaged)" -- nr_api GET /flows
json 'len(d) == 5 and [n["func"] for n in d if n["id"] == "fn1"] == ["msg.payload = 0;\nreturn msg;"]' \
  "Node-RED runs the damaged flows"
expect 0 "diff against live" -- "$T" --json diff "$A" live
json '[(t["name"], t["removed"], t["changed"]) for t in d["tables"] if t["name"] == "flows"] == [("flows", 3, 1)]' \
  "diff: 3 nodes removed, fn1 changed"

expect 0 "backup the damage" -- "$T" --json backup "files:$ud" --name nodered
expect 0 "rollback the flows" -- "$T" --json rollback nodered --to "$A" --table flows --yes
check_eq "$(cmp "$ud/flows.json" flows.file && echo same)" same "flows.json is the deployed file, byte for byte"

stop_nodered
check_eq "$?" 0 "Node-RED stopped"
start_nodered "$ud"
expect 0 "GET /flows after the restart" -- nr_api GET /flows
python3 -c "import json; a = json.load(open('out')); b = json.load(open('flows.deployed')); exit(0 if a == b else 1)"
check_eq "$?" 0 "Node-RED runs the flows as they were deployed"
stop_nodered
expect 0 "check" -- "$T" check
finish node_red_cli
