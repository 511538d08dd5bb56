#!/usr/bin/env bash
# End-to-end test of `restore --to postgres://...` (docs/guide/postgres.md,
# "Restore") on a throwaway PostgreSQL 15 server: a database with many kinds
# of objects and odd values is backed up and restored into a new database;
# pg_dump --schema-only and sorted data dumps of both must be identical.
# Then: a non-empty target refused unless --force, one table with --table,
# a crash mid-restore leaves nothing partial, a missing role is named.
# Usage: pg_restore_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: pg_restore_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

source "$here/tests/pg/pg_testlib.sh"
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }
snap() { python3 -c "import json; print(json.load(open('out'))['snapshot'])"; }
schema_dump() { pg_dump -d "$1" --schema-only | grep -v '^\\\(un\)\?restrict '; }
data_dump() { pg_dump -d "$1" --data-only --column-inserts | grep -v '^\\\(un\)\?restrict ' | sort; }

sql postgres "CREATE DATABASE src"
sql postgres "CREATE ROLE app_reader; CREATE ROLE \"Mixed Owner\""
psql -X -q -v ON_ERROR_STOP=1 -d src <<'EOF' || { echo "FAIL: building the source"; exit 1; }
CREATE EXTENSION citext;
CREATE SCHEMA "Odd Schema" AUTHORIZATION "Mixed Owner";
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b text);
CREATE SEQUENCE tickets START 100;
DO $$ BEGIN PERFORM nextval('tickets'); PERFORM nextval('tickets'); END $$;
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email citext UNIQUE,
  mood mood, since date DEFAULT '2020-01-01');
CREATE TABLE "Odd Schema"."Ünïcode Tablé" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "MixedCase" text, n numeric,
  f float8, r real, d date, ts timestamptz, arr int[], tarr text[], j jsonb, b bytea,
  iv interval, u uuid, ip inet, p pair, twice numeric GENERATED ALWAYS AS (n * 2) STORED,
  pi posint);
ALTER TABLE "Odd Schema"."Ünïcode Tablé" OWNER TO "Mixed Owner";
CREATE TABLE orders (id int PRIMARY KEY,
  customer int REFERENCES customers ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  amount numeric(10,2) CHECK (amount >= 0), note text);
CREATE INDEX orders_note_idx ON orders (lower(note)) WHERE note IS NOT NULL;
CREATE INDEX j_gin ON "Odd Schema"."Ünïcode Tablé" USING gin (j);
CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_other PARTITION OF events DEFAULT;
CREATE TABLE nokey (a int, b text);
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
CREATE MATERIALIZED VIEW order_totals AS SELECT customer, sum(amount) AS s FROM orders GROUP BY 1;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
  $$BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END$$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY small ON orders USING (amount < 1000);
GRANT SELECT ON customers TO app_reader;
COMMENT ON TABLE customers IS 'the people';
COMMENT ON COLUMN orders.note IS 'free text, ''quoted''';
INSERT INTO customers (name, email, mood, since) VALUES
  ('Ann', 'ANN@example.com', 'happy', 'infinity'), ('Bo', NULL, NULL, '-infinity'),
  ('Çé 名前', 'x@y', 'sad', NULL);
INSERT INTO orders SELECT g, 1 + g % 3, g * 1.5, CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' || g END
  FROM generate_series(1, 2000) g;
INSERT INTO "Odd Schema"."Ünïcode Tablé" ("MixedCase", n, f, r, d, ts, arr, tarr, j, b, iv, u, ip, p, pi)
VALUES ('tab	and
newline \ back', 'NaN', 'NaN', 'Infinity', 'infinity', '-infinity', '{}', '{a,NULL,"c,d"}',
        jsonb_build_object('big', repeat('x', 1048576)), '\x00ff', '1 mon 2 days 00:00:03',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.1.2.3/8', ROW(1, 'one'), 5),
       (NULL, '-Infinity', '-Infinity', '-Infinity', '-infinity', 'infinity', '{1,NULL,3}',
        '{}', '{"a": [1, 2.50, null]}', '', '-1 years', NULL, '::1', NULL, NULL),
       ('', '1.50', 0.1, 1e-30, '2000-01-01', '2026-12-02 08:00:00.123456+00', NULL, NULL,
        'null', NULL, NULL, NULL, NULL, ROW(NULL, NULL), 1);
INSERT INTO events VALUES (1, '2026-03-01'), (2, '1999-01-01'), (3, 'infinity');
INSERT INTO nokey VALUES (1, 'x'), (1, 'y'), (NULL, NULL);
REFRESH MATERIALIZED VIEW order_totals;
EOF

expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "backup" -- "$T" --json backup "$(uri src)" --name shop
S=$(snap)

# 1. The round trip: a new database, identical schema and data.
expect 0 "restore into a new database" -- "$T" restore "$S" --to "$(uri copy1)"
contains out "every table's row count and digest verified" "verified"
schema_dump src >src.schema
schema_dump copy1 >copy1.schema
if diff -u src.schema copy1.schema >schema.diff; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: schema differs:"; head -40 schema.diff; fi
data_dump src >src.data
data_dump copy1 >copy1.data
if cmp -s src.data copy1.data; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: data differs:"; diff src.data copy1.data | cut -c1-200 | head -20; fi
check_eq "$(sql copy1 "SELECT count(*) FROM order_totals")" 3 "materialized view refreshed"
check_eq "$(sql copy1 "SELECT nextval('tickets')")" 102 "sequence state restored"
check_eq "$(sql postgres "SELECT count(*) FROM pg_shdescription d JOIN pg_database b ON b.oid = d.objoid WHERE datname = 'copy1'")" 0 "no in-progress marker"

# 2. A non-empty database is refused (exit 4) unless --force.
expect 4 "restore into a non-empty database" -- "$T" restore "$S" --to "$(uri copy1)"
contains err "is not empty" "says it is not empty"
contains err "--force" "says to add --force"
one_line "non-empty refusal"
sql copy1 "CREATE TABLE public.extra (x int)"
expect 0 "restore --force" -- "$T" restore "$S" --to "$(uri copy1)" --force
check_eq "$(sql copy1 "SELECT count(*) FROM pg_class WHERE relname = 'extra'")" 0 "--force cleared it"
schema_dump copy1 >copy1.schema
cmp -s src.schema copy1.schema && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: schema after --force differs"; }

# 3. --table restores one table, leaving out foreign keys to the others.
expect 0 "restore --table orders" -- "$T" --json restore "$S" --to "$(uri one)" --table orders
json 'd["tables"] == 1 and d["records"] == 2000' "one table, its records"
json 'any("orders_customer_fkey" in x for x in d["left_out"])' "the FK to customers is reported"
check_eq "$(sql one "SELECT count(*) FROM orders")" 2000 "orders restored"
check_eq "$(sql one "SELECT to_regclass('public.customers') IS NULL")" t "customers not restored"
check_eq "$(sql one "SELECT count(*) FROM pg_trigger WHERE tgname = 'orders_touch'")" 1 "its trigger came along"

# 4. A crash mid-restore leaves nothing partial; the next restore goes ahead.
for point in pg-restore-after-first-chunk pg-restore-before-commit; do
  expect 86 "crash at $point" -- env TIDEMARK_CRASH_AT=$point "$T" restore "$S" --to "$(uri crashed)"
  check_eq "$(sql postgres "SELECT count(*) FROM pg_database WHERE datname = 'crashed'")" 1 "$point: the created database stays"
  check_eq "$(sql crashed "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'")" 0 "$point: and it is empty"
done
expect 0 "restore after the crashes" -- "$T" restore "$S" --to "$(uri crashed)"
data_dump crashed >crashed.data
cmp -s src.data crashed.data && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: data after crash differs"; }

# A crash in a --force restore keeps what the database held.
expect 86 "crash in a --force restore" -- env TIDEMARK_CRASH_AT=pg-restore-before-commit "$T" restore "$S" --to "$(uri copy1)" --force
data_dump copy1 >copy1.data
cmp -s src.data copy1.data && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: --force crash changed copy1"; }

# A database name that needs quoting and percent-encoding.
expect 0 "restore into 'Néw DB'" -- "$T" restore "$S" --to "$(uri 'N%C3%A9w%20DB')" --table customers
check_eq "$(sql 'Néw DB' "SELECT count(*) FROM customers")" 3 "restored into 'Néw DB'"

# 5. A missing role is named, before anything is written.
sql postgres "CREATE DATABASE src2"
sql postgres "CREATE ROLE ghost"
sql src2 "CREATE TABLE t (x int); INSERT INTO t VALUES (1); GRANT SELECT ON t TO ghost"
expect 0 "backup src2" -- "$T" --json backup "$(uri src2)" --name two
S2=$(snap)
sql src2 "REVOKE ALL ON t FROM ghost"
sql postgres "DROP ROLE ghost"
expect 1 "restore with a missing role" -- "$T" restore "$S2" --to "$(uri two_copy)"
contains err 'role "ghost"' "names the role"
one_line "missing role"
check_eq "$(sql postgres "SELECT count(*) FROM pg_database WHERE datname = 'two_copy'")" 0 "no database created"

finish pg_restore_cli_test
