# Sourced by tests that need the S3 test server: start_s3rver DATA_DIR starts
# it (installing @20minutes/s3rver 5.x into the npm cache on first use) on
# 127.0.0.1 and a free port, and sets S3_PORT; the server stops when this
# shell exits (its stdin, a pipe held by this shell, closes). A server that
# cannot be started is a failure (exit 1), never a skip.
start_s3rver() {
  local dir=$1 line=""
  mkdir -p "$dir"
  coproc S3RVER { exec bash "$here/tests/s3/s3rver.sh" serve "$dir"; }
  read -r -t 300 line <&"${S3RVER[0]}" || true
  case "$line" in
    "port "*) S3_PORT=${line#port } ;;
    *) echo "FAIL: the S3 test server did not start (said '$line'): tests/s3/s3rver.sh needs node, npm and the npm registry" >&2
       exit 1 ;;
  esac
}
