# Sourced by tests that run NocoDB: start_nocodb DB starts it (installing
# nocodb 0.262.5 into the cache on first use) on 127.0.0.1 and a free port
# with the SQLite file DB, and sets NC_PORT; stop_nocodb stops it (closes its
# stdin) and waits. nc_api METHOD PATH [JSON] calls its REST API with the
# token in $NC_AUTH (xc-auth), the answer's body in `out`. A NocoDB that
# cannot be installed or started is a failure (exit 1), never a skip.
start_nocodb() {
  local line=""
  coproc NOCODB { exec bash "$here/tests/nocodb/nocodb.sh" serve "$1" "$work/nocodb.log"; }
  while read -r -t 900 line <&"${NOCODB[0]}"; do
    case "$line" in "port "* | "error "*) break ;; esac
  done
  case "$line" in
    "port "*) NC_PORT=${line#port } ;;
    *) echo "FAIL: NocoDB did not start (said '$line'): tests/nocodb/nocodb.sh needs node, npm and the npm registry; its log:" >&2
       tail -20 "$work/nocodb.log" >&2
       exit 1 ;;
  esac
}
stop_nocodb() {
  local pid=$NOCODB_PID
  eval "exec ${NOCODB[1]}>&-"
  wait "$pid"
}
nc_api() {  # nc_api METHOD PATH [JSON]: exit 0 on a 2xx answer, the body in out
  python3 - "$NC_PORT" "${NC_AUTH:-}" "$@" <<'PY'
import sys, urllib.request, urllib.error
port, auth, method, path = sys.argv[1:5]
body = sys.argv[5].encode() if len(sys.argv) > 5 else None
headers = {"Content-Type": "application/json"}
if auth:
    headers["xc-auth"] = auth
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                             headers=headers)
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        open("out", "wb").write(r.read())
except urllib.error.HTTPError as e:
    print(f"nc_api {method} {path}: {e.code} {e.read()[:300]!r}", file=sys.stderr)
    sys.exit(1)
except Exception as e:
    print(f"nc_api {method} {path}: {e}", file=sys.stderr)
    sys.exit(1)
PY
}
