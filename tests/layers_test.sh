#!/usr/bin/env bash
# The layering of src/ (docs/architecture.md): no include points up or sideways,
# third-party headers only where their target is declared, every declared layer
# dependency used. The order is read from CMakeLists.txt (tidemark_layer calls).
# $1 (the tidemark binary, passed to every tests/*_test.sh) is not needed.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check="$here/tests/tools/check_layers.py"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0 failed=0
verdict() {  # verdict WANT_EXIT DESCRIPTION -- COMMAND...
  local want=$1 what=$2; shift 3
  "$@" >"$scratch/out" 2>&1
  local got=$?
  if [ "$got" -eq "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $what: exit $got, want $want"; cat "$scratch/out"; fi
}

verdict 0 "src/ follows the layers of CMakeLists.txt" -- python3 "$check" "$here"
cat "$scratch/out" | grep -v '^layers:' || true

# The checker itself must see each kind of violation (a copy of src/ with one defect each).
mutant() {  # mutant NAME FILE LINE: a copy of the tree with LINE appended to FILE
  rm -rf "$scratch/$1"; mkdir -p "$scratch/$1"
  cp -r "$here/src" "$here/CMakeLists.txt" "$scratch/$1/"
  echo "$3" >>"$scratch/$1/$2"
}
mutant up src/repo/id.cc '#include "cli/context.h"'
verdict 1 "an upward include (repo -> cli) is caught" -- python3 "$check" "$scratch/up"
grep -q 'src/repo/id.cc:.*may not use cli' "$scratch/out" && passed=$((passed + 1)) ||
  { failed=$((failed + 1)); echo "FAIL: the upward include is named"; }
mutant sideways src/sources/sqlite/sqlite_common.cc '#include "repo/id.h"'
verdict 1 "a sideways include (sources -> repo) is caught" -- python3 "$check" "$scratch/sideways"
mutant connector src/ops/backup/backup.cc '#include "sources/sqlite/sqlite_source.h"'
verdict 1 "a use case that reaches into a connector (ops/backup -> sources/sqlite) is caught" -- \
  python3 "$check" "$scratch/connector"
mutant library src/records/value.cc '#include <sqlite3.h>'
verdict 1 "a third-party header outside its layer (sqlite3.h in records) is caught" -- \
  python3 "$check" "$scratch/library"

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
