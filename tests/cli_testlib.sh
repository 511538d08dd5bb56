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
one_line() {  # the error is one line (the test clock's warning aside)
  local n; n=$(grep -cv "^tidemark: warning: TIDEMARK_TEST_CLOCK is set" err)
  if [ "$n" -eq 1 ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1: stderr has $n lines"; cat err; fi
}
check_eq() {  # check_eq GOT WANT DESCRIPTION
  if [ "$1" = "$2" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $3: got '$1', want '$2'"; fi
}

# The test clock (docs/development.md#the-test-clock): time passes only when
# the test says so. use_test_clock TIME: every later command reads TIME (from
# $work/clock) instead of the system clock. advance_clock DURATION (90, 90s,
# 5m, 2h, 3d) moves it on; clock_now prints it.
use_test_clock() {
  printf '%s\n' "$1" >"$work/clock"
  export TIDEMARK_TEST_CLOCK="$work/clock"
}
advance_clock() {
  local n=${1%[smhd]} unit=${1##*[0-9]}
  [[ $n =~ ^[0-9]+$ ]] || { echo "advance_clock: bad duration '$1'" >&2; return 2; }
  case $unit in "" | s) ;; m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; d) n=$((n * 86400)) ;;
    *) echo "advance_clock: bad duration '$1'" >&2; return 2 ;; esac
  local now; now=$(date -u -d "$(cat "$work/clock")" +%s) || return 2
  date -u -d "@$((now + n))" +%Y-%m-%dT%H:%M:%SZ >"$work/clock"
}
clock_now() { cat "$work/clock"; }

# wait_for_file FILE [SECONDS]: waits (polling, at most SECONDS, default 10)
# until FILE exists and is not empty, e.g. the port a helper server writes.
# Fails the test, and returns 1, if it never comes.
wait_for_file() {
  local tries=$(( ${2:-10} * 20 ))
  while [ ! -s "$1" ] && [ "$tries" -gt 0 ]; do sleep 0.05; tries=$((tries - 1)); done
  [ -s "$1" ] && return 0
  failed=$((failed + 1)); echo "FAIL: $1 did not appear within ${2:-10} s"; return 1
}

finish() {  # finish NAME: the summary line and the exit status
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
