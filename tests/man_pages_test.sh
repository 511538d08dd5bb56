#!/usr/bin/env bash
# The man pages (docs/guide/install.md) against --help, their one source:
# every command has a page, every flag and argument of every command and
# subcommand appears in it, each page lists the exit codes of
# docs/exit-codes.md and has examples whose flags exist, man renders every
# page without a warning, and the pages the build generated are current.
# Usage: man_pages_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: man_pages_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
command -v man >/dev/null || { echo "FAIL: man is missing: run scripts/install-deps"; exit 1; }

expect 0 "generate man pages" -- "$T" generate --man "$work/man1"

# The commands --help lists under "Subcommands:", for `tidemark WORDS...`.
subcommands() {
  "$T" "$@" --help | awk '/^Subcommands:/ {on = 1; next} /^[^ ]/ {on = 0} on && NF {print $1}'
}
# The flags and positional names --help shows for `tidemark WORDS...`.
help_names() {
  "$T" "$@" --help | awk '
    /^Positionals:/ {pos = 1; next}
    /^[^ ]/ {pos = 0}
    pos && /^  [^ -]/ {print $1; next}
    /^  -/ {n = split($1, f, ","); for (i = 1; i <= n; i++) print f[i]}'
}
has_word() {  # has_word FILE WORD: WORD not inside a longer flag or name
  grep -qE -- "(^|[^-[:alnum:]_])$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')([^-[:alnum:]_]|$)" "$1"
}
render() {  # render PAGE OUT: plain text; man's warnings in OUT.warn
  MANWIDTH=120 man --warnings -E ascii -l "$1" 2>"$2.warn" | col -b >"$2"
}

# Every flag of a command and of each of its subcommands is on its page.
check_command() {  # check_command TEXT WORDS...
  local text=$1
  shift
  local name
  while read -r name; do
    if has_word "$text" "$name"; then passed=$((passed + 1)); else
      failed=$((failed + 1)); echo "FAIL: tidemark $*: '$name' (from --help) not in its man page"; fi
  done < <(help_names "$@")
  local sub
  for sub in $(subcommands "$@"); do
    if has_word "$text" "tidemark $* $sub"; then passed=$((passed + 1)); else
      failed=$((failed + 1)); echo "FAIL: tidemark $* $sub has no section in the man page"; fi
    check_command "$text" "$@" "$sub"
  done
}

# The exit-code table of docs/exit-codes.md: "CODE NAME" per row.
exit_rows=$(sed -n 's/^| \([0-9][0-9]*\) | \([^|]*\) |.*/\1 \2/p' "$here/docs/exit-codes.md")
[ "$(echo "$exit_rows" | wc -l)" -ge 6 ] || { echo "FAIL: no exit-code table in docs/exit-codes.md"; exit 1; }

global=$(help_names)
commands=$(subcommands)
for cmd in $commands; do
  page="$work/man1/tidemark-$cmd.1"
  if [ ! -f "$page" ]; then
    failed=$((failed + 1)); echo "FAIL: no man page for command $cmd"; continue
  fi
  render "$page" "$work/$cmd.txt"
  check_eq "$(cat "$work/$cmd.txt.warn")" "" "man --warnings on tidemark-$cmd.1"
  contains "$work/$cmd.txt" "tidemark-$cmd - " "$cmd: NAME line"
  check_command "$work/$cmd.txt" "$cmd"
  # Exit codes: the section, each row of the one table, with its meaning.
  sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$work/$cmd.txt" | tr -s ' \n' ' ' >"$work/$cmd.exit"
  while read -r code meaning; do
    contains "$work/$cmd.exit" "$code $meaning:" "$cmd: exit code $code ($meaning)"
  done <<<"$exit_rows"
  # Examples: at least one, and every flag in them is a flag of the command
  # (or a global one), so an example cannot outlive a renamed flag.
  sed -n '/^EXAMPLES/,/^SEE ALSO/p' "$work/$cmd.txt" | grep '\$ tidemark' >"$work/$cmd.ex"
  if [ -s "$work/$cmd.ex" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: tidemark-$cmd.1 has no examples (src/cli/command_docs.cc)"; fi
  flags=$(printf '%s\n' "$global" $(help_names "$cmd"); for s in $(subcommands "$cmd"); do help_names "$cmd" "$s"; done)
  for f in $(grep -oE -- ' --?[a-z][-a-z]*' "$work/$cmd.ex" | sort -u); do
    if grep -qxF -- "$f" <<<"$flags"; then passed=$((passed + 1)); else
      failed=$((failed + 1)); echo "FAIL: tidemark-$cmd.1 example uses $f, which $cmd does not have"; fi
  done
done

# No page for a command that does not exist (a stale file).
for page in "$work"/man1/tidemark-*.1; do
  cmd=$(basename "$page" .1)
  cmd=${cmd#tidemark-}
  if grep -qxF "$cmd" <<<"$commands"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: a page for $cmd, which is not a command"; fi
done

# tidemark(1): the global options, every command, the exit codes.
render "$work/man1/tidemark.1" "$work/tidemark.txt"
check_eq "$(cat "$work/tidemark.txt.warn")" "" "man --warnings on tidemark.1"
for name in $global; do
  if has_word "$work/tidemark.txt" "$name"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: global option $name not in tidemark(1)"; fi
done
for cmd in $commands; do contains "$work/tidemark.txt" "tidemark-$cmd(1)" "tidemark(1) lists $cmd"; done
contains "$work/tidemark.txt" "TIDEMARK_PASSWORD_FILE" "tidemark(1) environment"

# --help shows the same examples (one table feeds both).
"$T" backup --help >"$work/backup.help"
contains "$work/backup.help" "tidemark backup --all --due" "backup --help has the examples"

# The pages the build generated (and `make install` installs) are current.
generated=$(dirname "$T")/generated/man1
if [ -d "$generated" ]; then
  check_eq "$(diff -r "$generated" "$work/man1" | head -3)" "" "build/generated/man1 is current"
else
  failed=$((failed + 1)); echo "FAIL: the build did not generate $generated (target tidemark_generated)"
fi

finish man_pages_test
