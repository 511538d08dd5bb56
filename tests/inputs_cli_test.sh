#!/usr/bin/env bash
# Fault campaign, inputs that must be refused or handled safely, through the
# real binary: labels a manifest cannot hold, source names, --config DIR and
# rpo = "0s", a failing --password-command, the modes of plaintext copies and
# CSV formula cells. Usage: inputs_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: inputs_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"

"$here/scripts/sample-crm" crm.db 20
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1

# A label over 64 KiB: refused with exit 2 naming the flag, nothing written.
big=$(head -c 70000 /dev/zero | tr '\0' x)
for flag in --tag --env --domain --purpose --host; do
  expect 2 "backup $flag of 70000 bytes" -- "$T" backup sqlite:crm.db "$flag" "$big"
  contains err "$flag: 70000 bytes is longer than a snapshot holds (65536)" "$flag named"
  one_line "$flag error"
done
at=$(head -c 65536 /dev/zero | tr '\0' x)
expect 0 "backup with a 65536-byte tag" -- "$T" --json backup sqlite:crm.db --tag "$at"
expect 0 "snapshots lists it" -- "$T" --json snapshots
json 'len(d) == 1' "only the snapshot at the limit was written"
expect 0 "check" -- "$T" check
if grep -q "damaged" err; then failed=$((failed + 1)); echo "FAIL: check warns of damage"; else passed=$((passed + 1)); fi

# Source names: one rule for tidemark.toml and --name.
expect 2 "--name empty" -- "$T" backup sqlite:crm.db --name ""
contains err '--name "" is not usable' "--name empty refused"
expect 2 "--name ../../x" -- "$T" backup sqlite:crm.db --name ../../x
contains err "use 1-64 letters" "--name path refused"
expect 2 "--name with a newline" -- "$T" backup sqlite:crm.db --name $'a\nb'
one_line "--name newline error"
cp crm.db "my app.db"
expect 2 "a file stem that is not a name" -- "$T" backup "sqlite:my app.db"
contains err "give one with --name" "stem error says what to do"

# --config DIR and rpo = "0s".
mkdir confdir
expect 2 "config check DIR" -- "$T" --config confdir config check
contains err "is a directory" "--config DIR refused"
printf '[[source]]\nname = "crm"\nuri = "sqlite:crm.db"\nrpo = "0s"\n' >zero.toml
expect 2 "rpo 0s" -- "$T" --config zero.toml config check
contains err "must be longer than 0s" "rpo 0s refused"

# A failing --password-command: its exit status and first stderr line,
# redacted; never the command text.
expect 2 "failing password command" -- env -u TIDEMARK_PASSWORD "$T" --json \
  --password-command 'echo S3cr3tXYZ; echo "wrong S3cr3tXYZ" >&2; echo second >&2; exit 3' snapshots
if grep -q S3cr3t out err; then failed=$((failed + 1)); echo "FAIL: the password reached the output"; cat out err
else passed=$((passed + 1)); fi
json '"exit status 3" in d["error"]["message"] and "wrong <redacted>" in d["error"]["message"]' "status and redacted stderr line"
if grep -q second err out; then failed=$((failed + 1)); echo "FAIL: more than the first stderr line"; else passed=$((passed + 1)); fi

# Plaintext copies are private whatever the umask: files 0600, folders 0700,
# unless --mode asks otherwise; the cache folder too.
mode_of() { stat -c %a "$1"; }
sqlite3 crm.db "UPDATE customers SET name = '=HYPERLINK(\"http://evil.example/\")' WHERE id = 1"
expect 0 "backup for the copies" -- "$T" backup sqlite:crm.db --name crm
(umask 000; "$T" restore crm@latest --to sqlite:restored.db >out 2>err; echo $? >rc)
check_eq "$(cat rc)" 0 "restore under umask 000"
check_eq "$(mode_of restored.db)" 600 "restored database is 0600"
(umask 000; "$T" restore crm@latest --to sqlite:shared.db --mode 0640 >out 2>err)
check_eq "$(mode_of shared.db)" 640 "--mode 0640"
expect 2 "--mode that locks the owner out" -- "$T" restore crm@latest --to sqlite:x.db --mode 0400
contains err "--mode 0400: expected octal permission bits" "bad --mode named"
(umask 000; "$T" export crm@latest --out exp >out 2>err)
check_eq "$(mode_of exp)" 700 "export folder is 0700"
check_eq "$(mode_of exp/customers.csv)" 600 "export file is 0600"
(umask 000; TIDEMARK_CACHE_DIR="$work/cache2/deep" "$T" backup sqlite:crm.db --name crm >out 2>err)
check_eq "$(mode_of cache2/deep)" 700 "cache folder is 0700 under umask 000"

# CSV formula cells are prefixed with ' by default, as they are with --csv-raw.
contains exp/customers.csv "\"'=HYPERLINK(\"\"http://evil.example/\"\")\"" "formula prefixed"
contains exp/manifest.json '"csv_formulas":"prefixed"' "manifest says so"
expect 0 "verify-export" -- "$T" verify-export exp
expect 0 "export --csv-raw" -- "$T" export crm@latest --out raw --csv-raw
contains raw/customers.csv "\"=HYPERLINK(\"\"http://evil.example/\"\")\"" "raw keeps it"
expect 2 "--csv-raw with ndjson" -- "$T" export crm@latest --out nd --format ndjson --csv-raw

# A SQLite file whose index pages are corrupt: a warning (and the problems in
# --json), and --require-integrity refuses with nothing stored.
sqlite3 ic.db "PRAGMA page_size=4096; CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT); CREATE INDEX ta ON t(a); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 2000) INSERT INTO t SELECT x, hex(randomblob(16)) FROM c;"
root=$(sqlite3 ic.db "SELECT rootpage FROM sqlite_schema WHERE name='ta'")
python3 -c "import sys; f=open('ic.db','r+b'); f.seek((int(sys.argv[1])-1)*4096+8); f.write(b'\xff'*64)" "$root"
expect 4 "--require-integrity refuses" -- "$T" backup sqlite:ic.db --require-integrity
contains err "fails SQLite's quick_check" "refusal names the check"
expect 0 "snapshots" -- "$T" --json snapshots --source ic
json 'len(d) == 0' "nothing stored"
expect 0 "backup warns" -- "$T" --json backup sqlite:ic.db
contains err "fails SQLite's quick_check" "warning"
json 'len(d["integrity_problems"]) > 0' "problems in --json"
expect 0 "a healthy file" -- "$T" --json backup sqlite:crm.db --name crm --require-integrity
json 'd["integrity_problems"] == []' "no problems for a healthy file"
finish inputs_cli_test
