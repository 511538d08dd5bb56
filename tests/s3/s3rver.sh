#!/usr/bin/env bash
# The S3 test server: @20minutes/s3rver 5.x from npm, which verifies SigV4
# signatures (s3rver 3.x accepts any secret: never use it here).
#   s3rver.sh install        installs it into the cache (once; reused)
#   s3rver.sh serve DATA_DIR installs if needed, then runs it on 127.0.0.1 and
#                            a free port; prints "port N"; stops when stdin closes
# Cache: $TIDEMARK_NPM_CACHE or ~/.cache/tidemark/npm. A failed install is an
# error (exit 1), never a skip.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TIDEMARK_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidemark/npm}"
pkg="@20minutes/s3rver@5"

install() {
  if [[ -f "$cache/node_modules/@20minutes/s3rver/package.json" ]] &&
     grep -q '"version": "5\.' "$cache/node_modules/@20minutes/s3rver/package.json"; then
    return 0
  fi
  command -v npm >/dev/null || { echo "s3rver.sh: npm is missing (scripts/install-deps installs it)" >&2; exit 1; }
  mkdir -p "$cache"
  # A lock, so parallel tests install once.
  exec 9>"$cache/.install.lock"
  flock 9
  if [[ ! -f "$cache/node_modules/@20minutes/s3rver/package.json" ]]; then
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error "$pkg" >&2) ||
      { echo "s3rver.sh: npm install $pkg failed" >&2; exit 1; }
  fi
  flock -u 9
}

case "${1:-}" in
  install) install ;;
  serve)
    install
    # s3rver makes continuation tokens with DES, which OpenSSL 3 keeps in its
    # legacy provider: without it every list past 1,000 keys is a 500.
    exec node --openssl-legacy-provider "$here/s3rver.js" "$cache" "${2:?data dir}"
    ;;
  *) echo "usage: s3rver.sh install | serve DATA_DIR" >&2; exit 2 ;;
esac
