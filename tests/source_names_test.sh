#!/usr/bin/env bash
# No production file outside src/sources/ names SQLite- or PostgreSQL-specific code
# (docs/architecture.md "Connectors"): tests/tools/check_source_names.py,
# plus mutants that show the checker sees a violation and ignores comments.
# $1 (the tidemark binary, passed to every tests/*_test.sh) is not needed.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
check="$here/tests/tools/check_source_names.py"
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
named() {  # named TEXT: the last verdict's output holds TEXT
  grep -qF -- "$1" "$scratch/out" && passed=$((passed + 1)) ||
    { failed=$((failed + 1)); echo "FAIL: output lacks: $1"; cat "$scratch/out"; }
}
mutant() {  # mutant NAME: a copy of src/ to change
  rm -rf "$scratch/$1"; mkdir -p "$scratch/$1"
  cp -r "$here/src" "$scratch/$1/"
}

verdict 0 "no production file outside src/sources/ names a source" -- \
  python3 "$check" "$here"
grep -v '^source names:' "$scratch/out" || true
tail -1 "$scratch/out"

mutant code
echo 'int UsesRowid(int rowid) { return rowid; }' >>"$scratch/code/src/ops/integrity/check.cc"
verdict 1 "a rowid in ops/ is caught" -- python3 "$check" "$scratch/code"
named "src/ops/integrity/check.cc"
mutant scheme
echo 'const char* kUri = "sqlite:x";' >>"$scratch/scheme/src/snapshot/catalog.cc"
verdict 1 "the sqlite: scheme in snapshot/ is caught" -- python3 "$check" "$scratch/scheme"
mutant libpq
echo 'struct PGconn* conn = nullptr;' >>"$scratch/libpq/src/ops/restore/restore.cc"
verdict 1 "a libpq type in ops/ is caught" -- python3 "$check" "$scratch/libpq"
named "src/ops/restore/restore.cc"
mutant pgscheme
echo 'const char* kUri = "postgres://x/db";' >>"$scratch/pgscheme/src/config/config.cc"
verdict 1 "the postgres: scheme in config/ is caught" -- python3 "$check" "$scratch/pgscheme"
mutant comment
printf '// SQLite, rowid, shadow tables, PostgreSQL, libpq: words in a comment are fine\n#pragma once\n' \
  >>"$scratch/comment/src/ops/integrity/check.h"
verdict 0 "comments and #pragma once are not code" -- python3 "$check" "$scratch/comment"
echo "source names: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
