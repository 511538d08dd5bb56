#!/usr/bin/env bash
# Operator-trial findings about the command-line surface: every command finds
# the repository and password in tidemark.toml; forget applies the catalog's
# retention; errors name the right thing (another source's snapshot, close
# table names, CLI11 usage errors); init validates before creating; diff shows
# removed records; a refused restore is logged as refused.
# Usage: operator_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: operator_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

"$here/scripts/sample-crm" crm.db 40 >/dev/null
cp crm.db books.db
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
echo pw >pwfile
cat >tidemark.toml <<TOML
[repository]
location = "$work/repo"
password_file = "$work/pwfile"

[[source]]
name = "crm"
uri = "sqlite:$work/crm.db"
[source.retention]
keep_last = 2

[[source]]
name = "books"
uri = "sqlite:$work/books.db"
TOML
for i in 1 2 3 4; do
  sqlite3 crm.db "UPDATE orders SET status='s$i' WHERE id % 4 = $((i % 4))"
  expect 0 "backup crm $i" -- "$T" backup crm
done
expect 0 "backup books" -- "$T" --json backup books
books_id=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")

# 1. Without -r or environment, every command reads [repository].
noenv() { env -u TIDEMARK_REPOSITORY -u TIDEMARK_PASSWORD "$@"; }
expect 0 "snapshots from the config" -- noenv "$T" snapshots
contains out "books" "snapshots listed"
expect 0 "ledger from the config" -- noenv "$T" ledger show
expect 0 "hold list from the config" -- noenv "$T" hold list
expect 0 "show from the config" -- noenv "$T" show "$books_id"
expect 0 "check from the config" -- noenv "$T" check
mkdir -p elsewhere
expect 2 "no repository anywhere" -- env -u TIDEMARK_REPOSITORY -C elsewhere "$T" snapshots
contains err "tidemark.toml" "the error names tidemark.toml"
one_line "no repository error"
# A broken config does not stop a command given the repository and password.
cp tidemark.toml good.toml
echo "this is = = not toml" >>tidemark.toml
expect 0 "broken config, -r and env given" -- "$T" -r "$work/repo" snapshots
expect 2 "broken config, nothing given" -- noenv "$T" snapshots
cp good.toml tidemark.toml
expect 0 "key list from the config" -- noenv "$T" key list
expect 0 "unlock from the config" -- noenv "$T" unlock
mkdir -p fresh
printf '[repository]\nlocation = "%s/fresh/repo"\npassword_file = "%s/pwfile"\n' "$work" "$work" >fresh/tidemark.toml
expect 0 "init from the config" -- env -u TIDEMARK_REPOSITORY -u TIDEMARK_PASSWORD -C fresh "$T" init --kdf-memory 8 --kdf-iterations 1
check_eq "$(ls fresh/repo/config 2>/dev/null)" "fresh/repo/config" "init created the configured repository"

# 9. forget applies [source.retention]: the same count as status.
expect 0 "status" -- "$T" --json status
json '[s["retention"]["would_forget"] for s in d["sources"] if s["name"] == "crm"] == [2]' "status would forget 2"
expect 2 "forget without rules or names" -- "$T" forget
contains err "--all" "forget names --all"
expect 2 "forget names and --all" -- "$T" forget crm --all
expect 2 "forget rules and names" -- "$T" forget crm --keep-last 1
expect 2 "forget a source without retention" -- "$T" forget books
contains err "[source.retention]" "no retention message"
expect 2 "forget an unknown source" -- "$T" forget nosuch
expect 0 "forget --all dry run" -- "$T" --json forget --all --dry-run
json 'd["dry_run"] and d["removed"] == 2 and d["kept"] == 2' "dry run follows the catalog"
expect 0 "forget crm" -- "$T" --json forget crm
json 'd["removed"] == 2' "forget crm removed 2"
expect 0 "status after forget" -- "$T" --json status
json '[s["retention"]["would_forget"] for s in d["sources"] if s["name"] == "crm"] == [0]' "nothing left to forget"

# 10. Another source's snapshot; close table names; CLI11 errors; init; diff; restore.
expect 1 "rollback to another source's snapshot" -- "$T" rollback crm --to "${books_id:0:8}" --dry-run
contains err "${books_id:0:8} is a snapshot of books, not crm" "names the snapshot's source"
expect 2 "cat an unknown table" -- "$T" cat "$books_id" Customer 1
contains err "did you mean 'customers'" "closest table name"
contains err "tables)" "how many tables"
expect 2 "diff an unknown table" -- "$T" diff "$books_id" "$books_id" --table ORDER
contains err "did you mean 'orders'" "diff closest table"
expect 2 "no subcommand" -- "$T"
contains err "tidemark: error: " "CLI11 error in the documented format"
one_line "CLI11 error"
expect 2 "unknown flag" -- "$T" snapshots --no-such-flag
contains err "tidemark: error: " "unknown flag format"
expect 2 "init s3 over plain http off loopback" -- "$T" -r "s3:http://host/bucket" init
contains err "--s3-allow-http" "plain http to S3 refused with the flag to allow it"
expect 2 "init sftp" -- "$T" -r "sftp://host/repo" init
contains err "unknown kind of location" "unsupported location message"
check_eq "$(ls -d s3* sftp* 2>/dev/null | wc -l)" 0 "no folder named after the URI"
sqlite3 books.db "DELETE FROM customers WHERE id = 7"
expect 0 "backup books again" -- "$T" --json backup books
books2=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
expect 0 "diff a removed record" -- "$T" diff "$books_id" "$books2" --table customers
contains out "  - 7  id: 7" "removed record shows its fields"
touch exists.db
expect 4 "restore onto an existing file" -- "$T" restore "$books_id" --to sqlite:exists.db
"$T" --json ledger show >out 2>err
json 'd[-1]["action"] == "restore" and d[-1]["outcome"] == "refused"' "refused restore logged as refused"

finish operator_cli
