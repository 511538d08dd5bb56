#!/usr/bin/env bash
# Shell completion (docs/guide/install.md): the bash script `tidemark
# generate` writes, driven as bash drives it (COMP_WORDS, COMP_CWORD, the
# function's compgen): commands, subcommands, flags (the command's and the
# global ones), choices, files, source names and drill plans from
# tidemark.toml, snapshot names from the cached list (refreshed when it is
# older than TIDEMARK_COMPLETION_TTL, never by prompting). Then the zsh
# script: it loads, and the same candidates from its shared core.
# Usage: completion_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: completion_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

expect 0 "generate" -- "$T" generate --bash-completion tidemark.bash --zsh-completion _tidemark

# comp WORD...: completes the last WORD after the others; COMPREPLY, one a
# line, in `out`. The program's word is the binary's path, as a user's would
# be `tidemark` on PATH.
comp() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tidemark
           printf "%s\n" "${COMPREPLY[@]}"' _ "$work/tidemark.bash" "$T" "$@" </dev/null >out 2>err
}
got() { tr '\n' ' ' <out | sed 's/ $//'; }
comp_is() {  # comp_is WANT WORD...: exactly these candidates, in order
  local want=$1
  shift
  comp "$@"
  check_eq "$(got)" "$want" "complete '$*'"
}
comp_has() {  # comp_has WANT WORD...: WANT among the candidates
  local want=$1
  shift
  comp "$@"
  if grep -qxF -- "$want" out; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: complete '$*': no '$want' in: $(got)"; fi
}
comp_lacks() {
  local unwanted=$1
  shift
  comp "$@"
  if grep -qxF -- "$unwanted" out; then
    failed=$((failed + 1)); echo "FAIL: complete '$*': '$unwanted' offered"; else passed=$((passed + 1)); fi
}

# 1. Commands, subcommands and flags, from the command definitions.
comp_is "backup" ba
comp_is "restore revert repair" re
comp_is "list add remove passwd" key ""
comp_is "add" key a
comp_is "--fail-on-anomaly" backup --fail
comp_is "--json" backup --js                       # a global flag after the command
comp_is "--new-password-file" key add --new
comp_is "--kdf-iterations --kdf-memory" init --kdf
comp_is "csv ndjson" export crm@latest --format ""
comp_is "" backup --tag ""                          # a free value: nothing to offer
comp_is "doctor" do

# 2. Files for a file flag, after a global flag's value too.
sqlite3 crm.db "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');"
sqlite3 wiki.db "CREATE TABLE pages(id INTEGER PRIMARY KEY, body TEXT);"
cat >tidemark.toml <<'EOF'
[[source]]
name = "crm"
uri = "sqlite:crm.db"

[[source]]
name = "wiki"
uri = "sqlite:wiki.db"

[[drill]]
name = "crm-quarterly"
source = "crm"
EOF
comp_is "tidemark.toml" --config tidemark.t
comp_is "tidemark.toml" -q --config tidemark.t

# 3. Source names and drill plans from tidemark.toml (and from --config).
comp_is "crm wiki" backup ""
comp_is "crm wiki" backup crm ""                   # repeatable
comp_is "wiki" backup w
comp_is "crm wiki" snapshots --source ""
comp_is "crm wiki" history ""
comp_is "" history crm ""                           # TABLE: no candidates
comp_is "crm-quarterly" drill ""
mkdir other && printf '[[source]]\nname = "elsewhere"\nuri = "sqlite:x.db"\n' >other/t.toml
comp_is "elsewhere" --config other/t.toml backup ""

# 4. Snapshot names: latest, SOURCE@latest, short ids; cached per repository.
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "backup crm" -- "$T" --json backup crm
first=$(python3 -c "import json; print(json.load(open('out'))['snapshot'][:12])")
comp_has "latest" show ""
comp_has "crm@latest" show ""
comp_has "$first" show ""
comp_has "crm@latest" ls ""
comp_has "crm@latest" diff ""
comp_has "live" diff crm@latest ""
comp_lacks "live" diff ""
comp_has "crm@latest" rollback crm --to ""
comp_has "crm@latest" hold add ""
comp_has "config" cat ""
comp_has "crm@latest" cat ""
cache=$(ls "$TIDEMARK_CACHE_DIR"/completion/*.snapshots 2>/dev/null | head -1)
check_eq "$(stat -c %a "$cache" 2>/dev/null)" 600 "snapshot cache written, private"
# A newer snapshot is not seen while the cache is fresh, and is once it is stale.
expect 0 "backup wiki" -- "$T" --json backup wiki
comp_lacks "wiki@latest" show ""
TIDEMARK_COMPLETION_TTL=0 comp_has "wiki@latest" show ""
comp_has "wiki@latest" show ""                      # the refreshed list was cached
# No password source: nothing is asked, the (stale) cached list is offered.
TIDEMARK_COMPLETION_TTL=0 TIDEMARK_PASSWORD= comp_has "wiki@latest" show ""
TIDEMARK_CACHE_DIR="$work/cache2" TIDEMARK_PASSWORD= comp_is "" show ""
check_eq "$(cat err)" "" "no prompt or error while completing"
# Another repository (-r on the line) has its own list.
expect 0 "init repo2" -- "$T" -r "$work/repo2" init --kdf-memory 8 --kdf-iterations 1
comp_lacks "crm@latest" -r "$work/repo2" show ""

# 5. zsh: the script parses, and its core offers the same candidates.
if ! command -v zsh >/dev/null; then
  failed=$((failed + 1)); echo "FAIL: zsh is missing: run scripts/install-deps"
else
  expect 0 "zsh sources _tidemark" -- zsh -f -c 'compdef() { :; }; source ./_tidemark'
  check_eq "$(cat err)" "" "zsh: sourcing prints nothing"
  zcomp() {  # zcomp WORD...: the zsh core's candidates for the words, in out
    zsh -f -c 'compdef() { :; }; source ./_tidemark; _tidemark_candidates "$@"' _ "$T" "$@" \
      </dev/null >out 2>err
  }
  zcomp ba
  contains out backup "zsh: commands"
  zcomp key ""
  check_eq "$(got)" "list add remove passwd" "zsh: subcommands"
  zcomp export x --format ""
  check_eq "$(got)" "csv ndjson" "zsh: choices"
  zcomp backup ""
  check_eq "$(got)" "crm wiki" "zsh: sources"
  zcomp --config x
  check_eq "$(got)" "__FILES__" "zsh: file flag"
  zcomp show ""
  contains out "wiki@latest" "zsh: snapshots"
  check_eq "$(cat err)" "" "zsh: no errors"
fi

finish completion_test
