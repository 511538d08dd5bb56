# Sourced by tests that run Node-RED: start_nodered USER_DIR starts it
# (installing node-red 4.1.x into the cache on first use) on 127.0.0.1 and a
# free port and sets NR_PORT; stop_nodered stops it (closes its stdin) and
# waits. nr_api METHOD PATH [BODY_FILE] calls its admin API, the body in
# `out`. A Node-RED that cannot be installed or started is a failure
# (exit 1), never a skip.
start_nodered() {
  local line=""
  mkdir -p "$1"
  coproc NODERED { exec bash "$here/tests/node-red/nodered.sh" serve "$1"; }
  while read -r -t 600 line <&"${NODERED[0]}"; do
    case "$line" in "port "* | "error "*) break ;; esac
  done
  case "$line" in
    "port "*) NR_PORT=${line#port } ;;
    *) echo "FAIL: Node-RED did not start (said '$line'): tests/node-red/nodered.sh needs node, npm and the npm registry" >&2
       exit 1 ;;
  esac
}
stop_nodered() {
  local pid=$NODERED_PID
  eval "exec ${NODERED[1]}>&-"
  wait "$pid"
}
nr_api() {  # nr_api METHOD PATH [BODY_FILE]: exit 0 on a 2xx answer, the body in out
  python3 - "$NR_PORT" "$@" <<'PY'
import sys, urllib.request
port, method, path = sys.argv[1:4]
body = open(sys.argv[4], 'rb').read() if len(sys.argv) > 4 else None
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                             headers={"Content-Type": "application/json",
                                      "Node-RED-Deployment-Type": "full"})
try:
    with urllib.request.urlopen(req, timeout=60) as r:
        open("out", "wb").write(r.read())
except Exception as e:
    print(f"nr_api {method} {path}: {e}", file=sys.stderr)
    sys.exit(1)
PY
}
