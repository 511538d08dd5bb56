# Shared by the tests/*_test.sh scripts: a scratch folder and repository
# environment, and the checks that count passes and failures. Source it after
# setting T to the tidemark binary; end the script with `finish NAME`.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TIDEMARK_CACHE_DIR="$work/cache" TIDEMARK_REPOSITORY="$work/repo" TIDEMARK_PASSWORD=pw
unset TIDEMARK_PASSWORD_FILE TIDEMARK_PASSWORD_COMMAND
passed=0 failed=0

expect() {  # expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, stdout in out, stderr in err
  local want=$1 what=$2; shift 3
  "$@" </dev/null >out 2>err
  local got=$?
  if [ "$got" -eq "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $what: exit $got, want $want: $*"
    sed 's/^/  stdout: /' out | head -5; sed 's/^/  stderr: /' err | head -5; fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $3: '$2' not in $1:"; head -5 "$1" | sed 's/^/  /'; fi
}
json() {  # json PYTHON-EXPR DESCRIPTION: evaluates EXPR with d = the JSON on stdout
  if python3 -c "import json,sys; d=json.load(open('out')); sys.exit(0 if ($1) else 1)" 2>/dev/null; then
    passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $2: not ($1):"; head -c 400 out; echo; fi
}
one_line() {  # the error is one line
  if [ "$(wc -l <err)" -eq 1 ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1: stderr has $(wc -l <err) lines"; cat err; fi
}
check_eq() {  # check_eq GOT WANT DESCRIPTION
  if [ "$1" = "$2" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $3: got '$1', want '$2'"; fi
}
finish() {  # finish NAME: the summary line and the exit status
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
