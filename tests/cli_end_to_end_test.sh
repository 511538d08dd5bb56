#!/usr/bin/env bash
# End-to-end test of the tidemark command line: exit codes (docs/exit-codes.md),
# password sources, key slots, check, ledger, and tamper detection, through
# the real binary on a real folder. Usage: cli_end_to_end_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: cli_end_to_end_test.sh path/to/tidemark}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export TIDEMARK_CACHE_DIR="$work/cache"
unset TIDEMARK_REPOSITORY TIDEMARK_PASSWORD TIDEMARK_PASSWORD_FILE TIDEMARK_PASSWORD_COMMAND
fast=(--kdf-memory 8 --kdf-iterations 1)
passed=0 failed=0

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND (stdin from /dev/null)
# and checks its exit code; output goes to out/err for later greps.
expect() {
  local want=$1 what=$2; shift 3
  "$@" </dev/null >out 2>err
  local got=$?
  if [ "$got" -eq "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $got, want $want: $*"
    sed 's/^/  stdout: /' out | head -5
    sed 's/^/  stderr: /' err | head -5
  fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $3: '$2' not in $1:"; head -5 "$1" | sed 's/^/  /'; fi
}
is_json() {
  if python3 -c 'import json,sys; json.load(sys.stdin)' <out 2>/dev/null; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1: stdout is not JSON:"; head -3 out | sed 's/^/  /'; fi
}
flip() {  # flip FILE OFFSET: xor one byte with 0x01
  python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read()); b[off] ^= 1; open(p, 'wb').write(b)
PY
}

echo "correct horse" >pw
echo "wrong" >bad
echo "second battery" >pw2
R=(-r "$work/repo")

expect 0 "version" -- "$T" version
contains out "tidemark " "version prints"
expect 2 "unknown command is a usage error" -- "$T" frobnicate
expect 2 "no repository given" -- "$T" check --password-file pw
contains err "TIDEMARK_REPOSITORY" "says how to name a repository"
expect 1 "missing repository" -- "$T" "${R[@]}" --password-file pw check
contains err "No such file" "names the missing folder"

expect 2 "init without password on no terminal" -- "$T" "${R[@]}" init "${fast[@]}"
contains err "--password-file" "says where a password can come from"
expect 0 "init" -- "$T" "${R[@]}" --password-file pw init "${fast[@]}"
contains out "created tidemark repository" "init reports"
expect 4 "init twice is refused" -- "$T" "${R[@]}" --password-file pw init "${fast[@]}"
expect 5 "wrong password" -- "$T" "${R[@]}" --password-file bad check
contains err "wrong password" "wrong password message"
expect 5 "wrong password, json" -- "$T" "${R[@]}" --password-file bad --json check
is_json "error as JSON"
contains out '"exit_code":5' "JSON error carries the exit code"

# Password sources: environment, command, repository from the environment.
expect 0 "TIDEMARK_PASSWORD" -- env TIDEMARK_PASSWORD="correct horse" "$T" "${R[@]}" check
expect 0 "--password-command" -- "$T" "${R[@]}" --password-command "cat pw" check
expect 2 "failing password command" -- "$T" "${R[@]}" --password-command "false" check
expect 0 "TIDEMARK_REPOSITORY + TIDEMARK_PASSWORD_FILE" -- \
  env TIDEMARK_REPOSITORY="$work/repo" TIDEMARK_PASSWORD_FILE=pw "$T" check
expect 0 "global options after the command" -- "$T" check "${R[@]}" --password-file pw
expect 0 "a flag beats the environment" -- \
  env TIDEMARK_PASSWORD_FILE=bad "$T" "${R[@]}" --password-command "cat pw" check
expect 5 "the environment file is used when no flag is given" -- \
  env TIDEMARK_PASSWORD_FILE=bad TIDEMARK_PASSWORD="correct horse" "$T" "${R[@]}" check
expect 2 "missing new password names the new-password sources" -- \
  "$T" "${R[@]}" --password-file pw key add "${fast[@]}"
contains err "--new-password-file" "new-password hint"

# Key slots.
expect 0 "key add" -- "$T" "${R[@]}" --password-file pw key add --new-password-file pw2 "${fast[@]}"
expect 0 "open with the new key" -- "$T" "${R[@]}" --password-file pw2 key list --json
is_json "key list --json"
test "$(python3 -c 'import json;print(len(json.load(open("out"))))')" = 2 && passed=$((passed+1)) || {
  failed=$((failed+1)); echo "FAIL: key list shows 2 keys"; }
first=$(python3 -c 'import json;print([k["id"] for k in json.load(open("out")) if not k["current"]][0])')
second=$(python3 -c 'import json;print([k["id"] for k in json.load(open("out")) if k["current"]][0])')
expect 4 "cannot remove the key in use" -- "$T" "${R[@]}" --password-file pw2 key remove "$second"
expect 0 "remove the other key by prefix" -- "$T" "${R[@]}" --password-file pw2 key remove "${first:0:8}"
expect 5 "removed key no longer opens" -- "$T" "${R[@]}" --password-file pw check
expect 1 "unknown key id" -- "$T" "${R[@]}" --password-file pw2 key remove ffffffff
echo "third staple" >pw3
expect 0 "key passwd" -- "$T" "${R[@]}" --password-file pw2 key passwd --new-password-file pw3 "${fast[@]}"
expect 5 "old password after passwd" -- "$T" "${R[@]}" --password-file pw2 check
expect 0 "new password after passwd" -- "$T" "${R[@]}" --password-file pw3 key list --json
only=$(python3 -c 'import json;print(json.load(open("out"))[0]["id"])')
test "$only" != "$second" && passed=$((passed+1)) || { failed=$((failed+1)); echo "FAIL: passwd makes a new key id"; }
expect 4 "last key cannot be removed" -- "$T" "${R[@]}" --password-file pw3 key remove "$only"

# Debug views and locks.
expect 0 "cat config" -- "$T" "${R[@]}" --password-file pw3 cat config
is_json "cat config"
contains out '"compression_level":3' "config shows the compression level"
expect 0 "cat keys" -- "$T" "${R[@]}" --password-file pw3 cat keys
is_json "cat keys"
expect 2 "cat pack without id" -- "$T" "${R[@]}" --password-file pw3 cat pack
expect 0 "unlock with no stale locks" -- "$T" "${R[@]}" --password-file pw3 unlock
contains out "no stale locks" "unlock reports"

# Ledger: every action above is an entry; filters; verification.
expect 0 "ledger show" -- "$T" "${R[@]}" --password-file pw3 ledger show --json
is_json "ledger show --json"
for action in init check key.add key.remove key.passwd unlock; do contains out "\"action\":\"$action\"" "ledger has $action"; done
contains out '"outcome":"refused' "refused key removals are recorded"
expect 0 "ledger show --action" -- "$T" "${R[@]}" --password-file pw3 ledger show --action key.passwd
test "$(wc -l <out)" -eq 1 && passed=$((passed+1)) || { failed=$((failed+1)); echo "FAIL: --action filters"; }
expect 0 "ledger head" -- "$T" "${R[@]}" --password-file pw3 ledger show --head
head=$(cat out)
expect 0 "ledger verify" -- "$T" "${R[@]}" --password-file pw3 ledger verify --expect-head "$head"
contains out "ledger ok" "verify reports ok"
expect 2 "malformed --expect-head" -- "$T" "${R[@]}" --password-file pw3 ledger verify --expect-head nonsense

# Tampering: an edited ledger entry fails verify and check with exit 3.
cp -a repo pristine
cp -a cache pristine-cache
# Restoring an older copy on purpose means restoring this machine's head cache too.
restore() { rm -rf repo cache && cp -a pristine repo && cp -a pristine-cache cache; }
flip repo/ledger/00000000000000000002 70
expect 3 "edited ledger entry" -- "$T" "${R[@]}" --password-file pw3 ledger verify
contains out "ledger entry 2" "names the edited entry"
expect 3 "check sees the ledger damage" -- "$T" "${R[@]}" --password-file pw3 check
contains out "DAMAGED  ledger entry 2" "check names the entry"
expect 3 "check --json with damage" -- "$T" "${R[@]}" --password-file pw3 --json check
is_json "check --json prints one document even when it fails"
contains out '"ok":false' "the report says it failed"
restore
# A deleted tail is caught by this machine's head cache, and nothing that
# cannot be undone happens while the ledger would not record it.
last=$(ls repo/ledger | sort | tail -1)
rm "repo/ledger/$last"
expect 3 "truncated ledger" -- "$T" "${R[@]}" --password-file pw3 ledger verify
contains out "seen on this machine" "names the truncation"
keys_before=$(ls repo/keys | wc -l)
expect 4 "key add refused while the ledger would not record it" -- \
  "$T" "${R[@]}" --password-file pw3 key add --new-password-file pw2 "${fast[@]}"
contains err "nothing was changed" "says nothing changed"
test "$(ls repo/keys | wc -l)" -eq "$keys_before" && passed=$((passed+1)) || {
  failed=$((failed+1)); echo "FAIL: refused key add wrote a key"; }
restore
# A lock file that does not decode is stale: it blocks nothing, unlock removes it.
printf 'garbage' >repo/locks/0123456789abcdef0123456789abcdef
expect 0 "damaged lock does not block check" -- "$T" "${R[@]}" --password-file pw3 check
contains out "does not decode" "check notes the damaged lock"
expect 0 "unlock removes the damaged lock" -- "$T" "${R[@]}" --password-file pw3 unlock
test ! -e repo/locks/0123456789abcdef0123456789abcdef && passed=$((passed+1)) || {
  failed=$((failed+1)); echo "FAIL: damaged lock still there"; }
restore
# A damaged config is an integrity failure, not a wrong password.
flip repo/config 40
expect 3 "damaged config" -- "$T" "${R[@]}" --password-file pw3 check
contains err "config" "names the config"

echo "cli_end_to_end_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
