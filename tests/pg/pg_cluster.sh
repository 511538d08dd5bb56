#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests (docs/development.md, "PostgreSQL
# tests"): initdb into DIR, listening on 127.0.0.1 only, on a free port, fsync
# off, password (SCRAM) logins over TCP. Nothing relies on a system cluster.
#
#   pg_cluster.sh start DIR [OWNER_PID]
#                             prints "PORT" and writes DIR/env:
#                               PGHOST PGPORT PGUSER PGPASSFILE TIDEMARK_PG_BIN
#                             With OWNER_PID, a watcher stops the server and
#                             removes DIR when that process ends (a test that
#                             crashed before its own stop).
#   pg_cluster.sh stop DIR    stops the server (immediate) and removes DIR
#
# As root, DIR must be reachable by the postgres user (a folder under /tmp).
#
# The superuser is "tm_admin" with the password in DIR/admin.password; DIR/pgpass
# holds it for libpq. The server refuses to run as root, so as root it runs as
# the "postgres" user, which then owns DIR/data.
set -euo pipefail

cmd=${1:?usage: pg_cluster.sh start|stop DIR}
dir=${2:?usage: pg_cluster.sh start|stop DIR}
owner=${3:-}

bin=${TIDEMARK_PG_BIN:-}
if [ -z "$bin" ]; then
  for v in 15 16 17; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bin=/usr/lib/postgresql/$v/bin; break; fi
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg_cluster.sh: no PostgreSQL server binaries (initdb); run 'make deps' (postgresql-15)" >&2
  exit 1
fi

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local pw port
  pw="tm-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$pw" >"$dir/admin.password"
  mkdir -p "$dir/data" "$dir/run"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir/data" "$dir/run" "$dir/admin.password"
    chmod 755 "$dir"
    if ! runuser -u postgres -- test -w "$dir/run"; then
      echo "pg_cluster.sh: the postgres user cannot reach $dir; use a folder under /tmp" >&2
      exit 1
    fi
  fi
  as_server "$bin/initdb" -D "$dir/data" -U tm_admin --pwfile="$dir/admin.password" \
    -A scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/run/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/run \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
          -c max_connections=40 -c shared_buffers=32MB" >/dev/null 2>&1; then
      break
    fi
    port=
  done
  if [ -z "$port" ]; then
    echo "pg_cluster.sh: the server did not start; its log:" >&2
    tail -20 "$dir/run/server.log" >&2
    exit 1
  fi
  printf '127.0.0.1:%s:*:tm_admin:%s\n' "$port" "$pw" >"$dir/pgpass"
  chmod 600 "$dir/pgpass"
  cat >"$dir/env" <<EOF
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=tm_admin PGPASSFILE=$dir/pgpass TIDEMARK_PG_BIN=$bin
EOF
  if [ -n "$owner" ]; then
    setsid bash -c 'tail --pid="$1" -f /dev/null; bash "$2" stop "$3"' _ "$owner" "$0" "$dir" \
      </dev/null >/dev/null 2>&1 &
  fi
  echo "$port"
}

stop() {
  [ -d "$dir" ] || exit 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: pg_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
