#!/usr/bin/env bash
# The systemd units of packaging/systemd/ (docs/guide/install.md):
# `systemd-analyze verify` accepts them without a single warning (their
# ExecStart pointed at the binary under test, their Documentation= man pages
# found among the generated ones); `systemd-analyze security --offline`
# rates each service's exposure at 2.0 or below; the hardening, the user and
# the credential are there; each ExecStart command, run as the unit would run
# it (config and password credential from a scratch /etc/tidemark), backs up
# or drills what is due; the sysusers.d entry creates the dedicated user.
# Usage: systemd_units_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: systemd_units_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
for tool in systemd-analyze systemd-sysusers man; do
  command -v "$tool" >/dev/null || {
    echo "FAIL: $tool is missing (Debian package systemd / man-db): run scripts/install-deps"
    exit 1
  }
done
units="$here/packaging/systemd"
services=(tidemark-backup@.service tidemark-drill.service)
timers=(tidemark-backup@.timer tidemark-drill.timer)
manpath=$(dirname "$T")/generated
[ -f "$manpath/man1/tidemark-backup.1" ] || {
  echo "FAIL: no generated man pages in $manpath (build target tidemark_generated)"
  exit 1
}

# 1. systemd-analyze verify: exit 0 and no output at all (warnings included).
mkdir unitdir
for u in "${services[@]}" "${timers[@]}"; do
  sed "s|/usr/bin/tidemark|$T|" "$units/$u" >"unitdir/$u"
done
(cd unitdir && MANPATH="$manpath" systemd-analyze verify "${services[@]}" "${timers[@]}") >verify.out 2>&1
check_eq "$?" 0 "systemd-analyze verify exit status"
check_eq "$(cat verify.out)" "" "systemd-analyze verify output"

# 2. Exposure (systemd-analyze security): 2.0 or below ("OK").
for s in "${services[@]}"; do
  (cd unitdir && systemd-analyze security --offline=yes --threshold=20 "$s") >security.out 2>&1
  check_eq "$?" 0 "$s: exposure within 2.0: $(grep -o 'Overall exposure level.*' security.out)"
done

# 3. What the issue asks of every service, word for word.
for s in "${services[@]}"; do
  for line in "User=tidemark" "NoNewPrivileges=yes" "ProtectSystem=strict" "PrivateTmp=yes" \
    "CapabilityBoundingSet=" "Environment=TIDEMARK_PASSWORD_FILE=%d/password" \
    "StateDirectory=tidemark"; do
    if grep -qxF -- "$line" "$units/$s"; then
      passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $s has no '$line'"; fi
  done
  grep -q '^LoadCredential=password:/etc/tidemark/[^ /]*\.password$' "$units/$s"
  check_eq "$?" 0 "$s reads the password with LoadCredential="
  if grep -E '^(Environment=TIDEMARK_PASSWORD=|ExecStart=.*--password)' "$units/$s"; then
    failed=$((failed + 1)); echo "FAIL: $s passes the password outside the credential"
  else passed=$((passed + 1)); fi
done
grep -q '^ExecStart=/usr/bin/tidemark --config /etc/tidemark/%i.toml backup --all --due$' \
  "$units/tidemark-backup@.service"
check_eq "$?" 0 "backup unit runs backup --all --due for /etc/tidemark/%i.toml"
for t in "${timers[@]}"; do
  contains "$units/$t" "Persistent=true" "$t catches up after downtime"
  contains "$units/$t" "WantedBy=timers.target" "$t installable"
done
[ ! -e "$units/tidemark-serve.service" ]
check_eq "$?" 0 "no serve unit while tidemark serve does not exist"

# 4. Each ExecStart, run as systemd would: %i = crm, /etc/tidemark = a
# scratch folder, the password from the credential file (%d/password).
exec_of() {  # exec_of UNIT: its ExecStart with the unit's substitutions applied
  sed -n 's/^ExecStart=//p' "$units/$1" | sed -e "s|/usr/bin/tidemark|$T|" \
    -e "s|/etc/tidemark|$work/etc|g" -e 's|%i|crm|g'
}
mkdir -p etc creds
sqlite3 crm.db "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');"
printf 'pw\n' >creds/password
cat >etc/crm.toml <<EOF
[repository]
location = "$work/repo"

[[source]]
name = "crm"
uri = "sqlite:$work/crm.db"
rpo = "1h"

[[drill]]
name = "crm-monthly"
source = "crm"
cadence = "30d"
EOF
cp etc/crm.toml etc/tidemark.toml
run_unit() {  # run_unit UNIT: its command, with the unit's password environment
  TIDEMARK_PASSWORD= TIDEMARK_REPOSITORY= TIDEMARK_PASSWORD_FILE="$work/creds/password" \
    $(exec_of "$1") </dev/null >out 2>err
}
expect 0 "init" -- "$T" -r "$work/repo" --password-file creds/password init --kdf-memory 8 --kdf-iterations 1
run_unit tidemark-backup@.service
check_eq "$?" 0 "backup unit's command: first run"
contains out "crm" "backup unit's command backed up crm"
run_unit tidemark-backup@.service
check_eq "$?" 0 "backup unit's command: second run"
contains out "no source is due" "backup unit's command: nothing due within the RPO"
run_unit tidemark-drill.service
check_eq "$?" 0 "drill unit's command"
contains out "crm-monthly" "drill unit's command ran the due plan"

# 5. The dedicated user, from the sysusers.d entry, in a scratch root.
mkdir -p sysroot/etc
systemd-sysusers --root="$work/sysroot" "$here/packaging/sysusers/tidemark.conf" >out 2>err
check_eq "$?" 0 "systemd-sysusers accepts tidemark.conf"
check_eq "$(grep '^tidemark:' sysroot/etc/passwd | cut -d: -f6,7)" "/var/lib/tidemark:/usr/sbin/nologin" \
  "user tidemark: home and no login shell"

finish systemd_units_test
