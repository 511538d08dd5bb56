#!/usr/bin/env bash
# A PostgreSQL source's password from tidemark.toml's password_command or
# password_file (docs/guide/config.md), never from the URI: a role whose
# password is in no PGPASSFILE backs up, restores and rolls back with it; a
# wrong one is refused as a permission error (exit 5) without echoing it; a
# password in the URI is refused; the password appears in no output, manifest
# or ledger; a restore to another database does not get it.
# Usage: pg_password_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: pg_password_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

source "$here/tests/pg/pg_testlib.sh"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d shop -c "$1"; }
secret='Pw-7f3a-in-no-passfile'
psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
CREATE ROLE shop_app LOGIN PASSWORD '$secret';
CREATE DATABASE shop OWNER shop_app;
SQL
PGUSER=shop_app PGPASSWORD=$secret psql -X -q -v ON_ERROR_STOP=1 -d shop >/dev/null <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 50) g;
SQL
src="postgres://shop_app@127.0.0.1:$port/shop"
printf '%s\n' "$secret" >"$work/pw"
printf 'wrong-%s\n' "$secret" >"$work/bad"
conf() {  # conf KEY VALUE: tidemark.toml with one source and its password key
  cat >tidemark.toml <<TOML
[repository]
location = "$work/repo"
password_file = "$work/repo-pw"

[[source]]
name = "shop"
uri = "$src"
$1 = "$2"
TOML
}
echo repo-pass >"$work/repo-pw"
unset TIDEMARK_REPOSITORY TIDEMARK_PASSWORD
conf password_command "cat $work/pw"
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "backup with password_command" -- "$T" --json backup shop
snap=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
json 'd["records"] == 50' "every row"

conf password_file "$work/pw"
q "DELETE FROM items WHERE id <= 5"
expect 0 "rollback with password_file" -- "$T" rollback shop --to "$snap" --yes
check_eq "$(q 'SELECT count(*) FROM items')" 50 "the rows are back"
expect 0 "diff against live with the password" -- "$T" diff "$snap" live

conf password_file "$work/bad"
expect 5 "a wrong password is refused as a permission error" -- "$T" backup shop
one_line
contains err "password" "says the password was refused"
check_eq "$(grep -c -- "$secret" err)" 0 "the error does not echo a password"

conf password_command "exit 3"
expect 2 "a failing command is a clear error" -- "$T" backup shop
contains err "database password of source 'shop' command failed (exit status 3)" "names the command's failure"

conf password_file "$work/pw"
expect 2 "a password inside the URI is refused" -- "$T" backup "postgres://shop_app:$secret@127.0.0.1:$port/shop"
check_eq "$(grep -c -- "$secret" err)" 0 "the refusal does not echo it"

sed -i 's|^uri = .*|uri = "sqlite:/tmp/x.db"|' tidemark.toml
expect 2 "a sqlite source takes no password" -- "$T" config check
contains err "password_file" "names the key"

# The password went nowhere: output, manifests, the ledger.
conf password_file "$work/pw"
expect 0 "show" -- "$T" --json show "$snap"
check_eq "$(grep -c -- "$secret" out)" 0 "not in the manifest"
expect 0 "ledger" -- "$T" --json ledger show
check_eq "$(grep -c -- "$secret" out)" 0 "not in the ledger"

# A restore to another database on the same server gets no password (it
# goes only to its own source): without a PGPASSFILE entry it is refused.
expect 5 "a restore elsewhere does not get the source's password" -- \
  "$T" restore "$snap" --to "postgres://shop_app@127.0.0.1:$port/shop_copy"
finish pg_password_cli_test
