#!/usr/bin/env bash
# NocoDB for tests: nocodb 0.262.5 from npm.
#   nocodb.sh install        installs it into the cache (once; reused)
#   nocodb.sh serve DB LOG   installs if needed, then runs it on 127.0.0.1 and
#                            a free port with its metadata and data in the
#                            SQLite file DB, its logs appended to LOG; prints
#                            "port N"; stops when stdin closes
# Cache: $TIDEMARK_NOCODB_CACHE or ~/.cache/tidemark/nocodb. The install
# needs two workarounds: xlsx pinned to 0.18.5 (the version NocoDB asks for
# is not on the registry) and --ignore-scripts, then sqlite3 and sharp built
# alone. A failed install is an error (exit 1), never a skip.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TIDEMARK_NOCODB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidemark/nocodb}"
version="0.262.5"

installed() {
  [[ -f "$cache/.installed-$version" ]]
}

install() {
  installed && return 0
  command -v npm >/dev/null || { echo "nocodb.sh: npm is missing (scripts/install-deps installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  exec 9>"$cache/.install.lock"  # parallel tests install once
  flock 9
  if ! installed; then
    cat >"$cache/package.json" <<JSON
{
  "name": "tidemark-nocodb-cache",
  "private": true,
  "dependencies": { "nocodb": "$version" },
  "overrides": { "xlsx": "0.18.5" }
}
JSON
    (cd "$cache" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2 &&
      npm rebuild sqlite3 sharp --loglevel=error >&2) ||
      { echo "nocodb.sh: npm install nocodb@$version failed" >&2; exit 1; }
    touch "$cache/.installed-$version"
  fi
  flock -u 9
}

case "${1:-}" in
  install) install ;;
  serve)
    install
    export NC_DB="sqlite3://?d=${2:?database file}" NC_AUTH_JWT_SECRET=tidemark-test-secret \
      NC_DISABLE_TELE=true NC_DISABLE_ERR_REPORT=true NC_ALLOW_LOCAL_HOOKS=true
    cd "$(dirname "$2")"  # NocoDB writes its uploads beside the database
    exec node "$here/nocodb.js" "$cache" 2>>"${3:?log file}"
    ;;
  *) echo "usage: nocodb.sh install | serve DB LOG" >&2; exit 2 ;;
esac
