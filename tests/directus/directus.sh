#!/usr/bin/env bash
# Directus for tests: directus 11.3.5 from npm (the last 11.x that runs on
# Node 20), its sqlite3 driver.
#   directus.sh install         installs it into the cache (once; reused)
#   directus.sh bootstrap DB LOG  creates the SQLite database DB (migrations,
#                               the admin user admin@example.com with the
#                               static token $DIRECTUS_ADMIN_TOKEN)
#   directus.sh serve DB LOG    runs it on 127.0.0.1 and a free port; prints
#                               "port N" once it listens (or "error ...");
#                               stops it when stdin closes
# Logs are appended to LOG. Cache: $TIDEMARK_DIRECTUS_CACHE or
# ~/.cache/tidemark/directus. Native modules are built from source (no
# download from other hosts than the npm registry). A failed install is an
# error (exit 1), never a skip.
set -euo pipefail
cache="${TIDEMARK_DIRECTUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidemark/directus}"
version="11.3.5"

installed() { [[ -f "$cache/.installed-$version" ]]; }

install() {
  installed && return 0
  command -v npm >/dev/null || { echo "directus.sh: npm is missing (scripts/install-deps installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  exec 9>"$cache/.install.lock"  # parallel tests install once
  flock 9
  if ! installed; then
    cat >"$cache/package.json" <<JSON
{
  "name": "tidemark-directus-cache",
  "private": true,
  "dependencies": { "directus": "$version", "sqlite3": "5.1.7" }
}
JSON
    (cd "$cache" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2 &&
      npm rebuild sqlite3 isolated-vm argon2 sharp --loglevel=error >&2) ||
      { echo "directus.sh: npm install directus@$version failed" >&2; exit 1; }
    touch "$cache/.installed-$version"
  fi
  flock -u 9
}

environment() {  # environment DB
  export DB_CLIENT=sqlite3 DB_FILENAME="$1" KEY=tidemark-test-key SECRET=tidemark-test-secret \
    HOST=127.0.0.1 PORT=0 LOG_STYLE=raw TELEMETRY=false PUBLIC_URL=http://127.0.0.1 \
    ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=Tidemark-test-1 \
    ADMIN_TOKEN="${DIRECTUS_ADMIN_TOKEN:-tidemark-admin-token}" \
    CACHE_ENABLED=false RATE_LIMITER_ENABLED=false EXTENSIONS_PATH="$(dirname "$1")/extensions" \
    STORAGE_LOCAL_ROOT="$(dirname "$1")/uploads"
}

case "${1:-}" in
  install) install ;;
  bootstrap)
    install
    environment "${2:?database file}"
    node "$cache/node_modules/directus/cli.js" bootstrap >>"${3:?log file}" 2>&1
    ;;
  serve)
    install
    environment "${2:?database file}"
    log=${3:?log file}
    : >>"$log"
    start=$(wc -l <"$log")
    node "$cache/node_modules/directus/cli.js" start </dev/null >>"$log" 2>&1 &
    pid=$!
    port=""
    for _ in $(seq 1200); do  # at most 60 s
      port=$(tail -n +"$((start + 1))" "$log" | grep -o 'Server started at [^"]*' | grep -o '[0-9]*$' | head -1 || true)
      [[ -n "$port" ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    if [[ -z "$port" ]]; then echo "error Directus did not start; see $log"; kill "$pid" 2>/dev/null; exit 1; fi
    echo "port $port"
    cat >/dev/null  # until stdin closes
    kill -TERM "$pid"
    wait "$pid" || true
    ;;
  *) echo "usage: directus.sh install | bootstrap DB LOG | serve DB LOG" >&2; exit 2 ;;
esac
