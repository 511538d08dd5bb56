#!/usr/bin/env bash
# A PostgreSQL backup is one consistent snapshot, even while the app writes:
# a writer commits money transfers (two balance updates and a transfer row
# per transaction) as fast as it can during three backups. Every snapshot,
# exported and summed, must hold the total it started with, and every
# account's balance must equal its opening balance plus the transfers the
# same snapshot holds: a backup that read the tables at different moments,
# or half of a transaction, breaks one of these. The writer must have
# committed during each backup, or the test proves nothing and fails.
# Usage: pg_consistency_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: pg_consistency_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

source "$here/tests/pg/pg_testlib.sh"
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d bank -c "$1"; }

accounts=20000
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE bank" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d bank >/dev/null <<SQL
CREATE TABLE accounts (id int PRIMARY KEY, opening bigint NOT NULL, balance bigint NOT NULL);
CREATE TABLE transfers (id bigserial PRIMARY KEY, src int NOT NULL REFERENCES accounts,
  dst int NOT NULL REFERENCES accounts, amount bigint NOT NULL, note text);
CREATE TABLE stop (flag int);
INSERT INTO accounts SELECT g, 1000, 1000 FROM generate_series(1, $accounts) g;
SQL
total=$((accounts * 1000))

# The writer: one transfer per transaction until the stop table has a row.
psql -X -q -d bank >/dev/null 2>"$work/writer.err" <<SQL &
DO \$\$
DECLARE a int; b int; n bigint;
BEGIN
  LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM stop);
    a := 1 + floor(random() * $accounts); b := 1 + floor(random() * $accounts);
    n := 1 + floor(random() * 50);
    UPDATE accounts SET balance = balance - n WHERE id = a;
    UPDATE accounts SET balance = balance + n WHERE id = b;
    INSERT INTO transfers (src, dst, amount, note) VALUES (a, b, n, repeat('x', 200));
    COMMIT;
  END LOOP;
END \$\$;
SQL
writer=$!
until [ "$(q 'SELECT count(*) >= 200 FROM transfers')" = t ]; do :; done

expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
src="postgres://tm_admin@127.0.0.1:$port/bank"
for i in 1 2 3; do
  before=$(q 'SELECT count(*) FROM transfers')
  expect 0 "backup $i while the writer commits" -- "$T" --json backup "$src" --name bank
  after=$(q 'SELECT count(*) FROM transfers')
  check_eq "$([ "$after" -gt "$before" ] && echo yes)" yes "the writer committed during backup $i ($before -> $after transfers)"
  snaps[$i]=$(python3 -c "import json; print(json.load(open('out'))['snapshot'])")
done
q 'INSERT INTO stop VALUES (1)' >/dev/null
wait "$writer"
check_eq "$?" 0 "the writer ran to the end"
check_eq "$(q 'SELECT sum(balance) FROM accounts')" "$total" "the live total holds"

judge() {  # judge DIR: the invariants of one exported snapshot
  python3 - "$1" "$total" <<'PY'
import glob, json, sys
d, total = sys.argv[1], int(sys.argv[2])
def rows(name):
    [f] = [p for p in glob.glob(f"{d}/*.ndjson") if p.endswith(f"{name}.ndjson")]
    return [json.loads(line) for line in open(f)]
acc, tr = rows("accounts"), rows("transfers")
if sum(int(r["balance"]) for r in acc) != total:
    sys.exit(f"total {sum(int(r['balance']) for r in acc)} != {total}")
net = {}
for t in tr:
    net[int(t["src"])] = net.get(int(t["src"]), 0) - int(t["amount"])
    net[int(t["dst"])] = net.get(int(t["dst"]), 0) + int(t["amount"])
bad = [r for r in acc if int(r["balance"]) != int(r["opening"]) + net.get(int(r["id"]), 0)]
if bad:
    sys.exit(f"{len(bad)} balances disagree with the transfers, e.g. {bad[0]}")
print(len(tr))
PY
}
for i in 1 2 3; do
  expect 0 "export snapshot $i" -- "$T" export "${snaps[$i]}" --format ndjson --out "$work/export$i"
  n=$(judge "$work/export$i" 2>"$work/judge.err")
  check_eq "$?" 0 "snapshot $i: the total and every balance agree with its transfers $(cat "$work/judge.err")"
  check_eq "$([ "${n:-0}" -ge 200 ] && echo yes)" yes "snapshot $i holds transfers (${n:-0})"
done
# The control: the accounts of snapshot 1 with the transfers of snapshot 3
# (tables read at two moments) must fail the same judgement.
mkdir "$work/mixed"
cp "$work"/export1/*accounts.ndjson "$work"/export3/*transfers.ndjson "$work/mixed/"
judge "$work/mixed" >/dev/null 2>&1
check_eq "$?" 1 "tables from two moments break the invariant (the judgement can fail)"
finish pg_consistency_cli_test
