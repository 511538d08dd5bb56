#!/usr/bin/env bash
# End-to-end test of restore drills of a PostgreSQL source (docs/guide/drills.md,
# docs/guide/postgres.md "Drills") on a throwaway PostgreSQL 15 server: the
# drill restores into a scratch database of its own on the source's server
# (or the plan's scratch_server), runs every check (schema, counts, digests,
# catalog integrity, foreign keys, relations, uniqueness, SQL assertions
# against the copy and the live database), drops the scratch database unless
# --keep, and fails with a message naming the cause on an orphan that was
# already in the app.
# Usage: pg_drill_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: pg_drill_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

source "$here/tests/pg/pg_testlib.sh"
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }
scratch_dbs() { sql postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'tidemark_drill_%'"; }
fail_check() {  # fail_check KIND DESCRIPTION: the last drill's JSON has a failed check of KIND
  json 'any(c["kind"] == "'"$1"'" and c["outcome"] == "fail" for c in d["runs"][0]["checks"])' "$2"
}

sql postgres "CREATE DATABASE shop"
psql -X -q -v ON_ERROR_STOP=1 -d shop <<'EOF' || { echo "FAIL: building the source"; exit 1; }
CREATE TYPE tier AS ENUM ('basic', 'vip');
CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE NOT NULL, tier tier,
  since timestamptz DEFAULT '2026-01-01 00:00:00+00');
CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers ON DELETE CASCADE,
  amount numeric(10,2) CHECK (amount >= 0));
CREATE INDEX orders_customer_idx ON orders (customer);
CREATE VIEW vip AS SELECT * FROM customers WHERE tier = 'vip';
-- A link the platform keeps without a foreign key (checked as a declared relation).
CREATE TABLE notes (id int PRIMARY KEY, order_ref int, body text);
INSERT INTO customers (email, tier)
  SELECT 'c' || g || '@example.com', CASE WHEN g % 10 = 0 THEN 'vip' ELSE 'basic' END::tier
  FROM generate_series(1, 200) g;
INSERT INTO orders SELECT g, 1 + g % 200, g * 1.5 FROM generate_series(1, 600) g;
INSERT INTO notes SELECT g, g, 'note ' || g FROM generate_series(1, 50) g;
EOF

expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "backup" -- "$T" --json backup "$(uri shop)" --name shop

cat >tidemark.toml <<EOF
[[drill]]
name = "shop-deep"
source = "shop"
rto = "15m"
unique = ["customers.email"]

[[drill.relation]]
child = "notes.order_ref"
parent = "orders.id"

[[drill.assert]]
name = "VIP customers reachable"
sql = "SELECT count(*) FROM customers WHERE tier = 'vip'"
expect = "= 20"

[[drill.assert]]
name = "biggest orders as live"
sql = "SELECT id, amount FROM orders ORDER BY amount DESC, id LIMIT 5"
expect = "live"

[[drill]]
name = "elsewhere"
source = "shop"
scratch_server = "$(uri postgres)"
skip = ["assertion"]

[[drill]]
name = "wrong-kind"
source = "shop"
scratch_server = "sqlite:/tmp/x.db"
EOF

# 1. A good backup passes every check; the scratch database is gone after.
expect 0 "drill passes" -- "$T" --json drill shop-deep
json 'd["passed"] and d["runs"][0]["passed"]' "every check passed"
json '{c["kind"] for c in d["runs"][0]["checks"]} >= {"restore","schema","counts","digest","integrity","foreign-keys","relation","uniqueness","assertion","rto"}' "every check kind ran"
json 'all(c["outcome"] != "fail" for c in d["runs"][0]["checks"])' "no failed check"
json 'd["runs"][0]["target"].startswith("postgres://tm_admin@127.0.0.1:") and "/tidemark_drill_shop_deep_" in d["runs"][0]["target"]' "the scratch copy is a database of its own"
json 'any(c["kind"] == "schema" and c["outcome"] == "pass" and "present with their SQL" in c["detail"] for c in d["runs"][0]["checks"])' "schema objects compared with their SQL"
json 'any(c["kind"] == "foreign-keys" and "no violations" in c["detail"] for c in d["runs"][0]["checks"])' "foreign keys re-checked"
json 'sum(t["rows"] for t in d["runs"][0]["tables"]) == 850' "tables counted"
check_eq "$(scratch_dbs)" 0 "the scratch database was dropped"

# 2. --keep leaves the scratch database, with the data, and prints where.
expect 0 "drill --keep" -- "$T" drill shop-deep --keep
contains out "kept at postgres://" "kept location printed"
kept=$(grep -o 'kept at [^ ;]*' out | sed 's|.*/||')
check_eq "$(sql "$kept" 'SELECT count(*) FROM orders')" 600 "the kept copy holds the data"
sql postgres "DROP DATABASE \"$kept\""

# 3. The plan's scratch_server; one of another kind is a clear error.
expect 0 "drill on a scratch server" -- "$T" --json drill elsewhere
json 'd["runs"][0]["passed"]' "passes on the scratch server"
expect 2 "scratch_server of the wrong kind (a plan error)" -- "$T" drill wrong-kind
contains err "scratch_server sqlite:/tmp/x.db is not a postgres: location like its source" "says what is wrong"
check_eq "$(scratch_dbs)" 0 "no scratch database left"

# 4. An orphan already in the app fails the relation check and names it;
#    a broken assertion names the query.
sql shop "INSERT INTO notes VALUES (99, 9999, 'dangling')"
sql shop "UPDATE customers SET tier = 'basic' WHERE id = 10"
expect 0 "backup with an orphan" -- "$T" --json backup "$(uri shop)" --name shop
expect 3 "drill fails" -- "$T" --json drill shop-deep
fail_check relation "the orphan fails the relation check"
fail_check assertion "the VIP count moved"
json 'any(c["kind"] == "relation" and "9999" in c["detail"] for c in d["runs"][0]["checks"])' "the orphan's value is named"
check_eq "$(scratch_dbs)" 0 "the scratch database was dropped after a failed drill"

finish pg_drill_cli_test
