# Sourced by the PostgreSQL shell tests after cli_testlib.sh: starts a
# throwaway server (pg_cluster.sh) for this test, stops it and removes the
# work folder on exit, and exports libpq's environment for psql and pg_dump.
# Sets pgdir (the cluster's folder) and port; uri DB prints the admin's
# postgres:// URI of database DB. A server that cannot start fails the test.
pgdir=$(mktemp -d /tmp/tidemark-pgtest-XXXXXX)
trap 'bash "$here/tests/pg/pg_cluster.sh" stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT
port=$(bash "$here/tests/pg/pg_cluster.sh" start "$pgdir" $$) || {
  echo "FAIL: no PostgreSQL server (scripts/install-deps installs postgresql-15)"
  exit 1
}
source "$pgdir/env"
export PGHOST PGPORT PGUSER PGPASSFILE
uri() { echo "postgres://tm_admin@127.0.0.1:$PGPORT/$1"; }
