#!/usr/bin/env bash
# Node-RED for tests: node-red 4.1.x from npm.
#   nodered.sh install          installs it into the cache (once; reused)
#   nodered.sh serve USER_DIR   installs if needed, then runs it on 127.0.0.1
#                               and a free port; prints "port N"; stops when
#                               stdin closes
# Cache: $TIDEMARK_NODE_RED_CACHE or ~/.cache/tidemark/node-red. A failed
# install is an error (exit 1), never a skip.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TIDEMARK_NODE_RED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidemark/node-red}"
pkg="node-red@4.1"

installed() {
  [[ -f "$cache/node_modules/node-red/package.json" ]] &&
    grep -q '"version": "4\.1\.' "$cache/node_modules/node-red/package.json"
}

install() {
  installed && return 0
  command -v npm >/dev/null || { echo "nodered.sh: npm is missing (scripts/install-deps installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  exec 9>"$cache/.install.lock"  # parallel tests install once
  flock 9
  if ! installed; then
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error "$pkg" >&2) ||
      { echo "nodered.sh: npm install $pkg failed" >&2; exit 1; }
  fi
  flock -u 9
}

case "${1:-}" in
  install) install ;;
  serve)
    install
    exec node "$here/nodered.js" "$cache" "${2:?user dir}"
    ;;
  *) echo "usage: nodered.sh install | serve USER_DIR" >&2; exit 2 ;;
esac
