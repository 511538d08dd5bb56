#!/usr/bin/env bash
# tidemark doctor (docs/guide/doctor.md): exit 0 and only ok lines for a
# healthy setup; one PROBLEM line that says what to fix, and exit 4, for each
# kind of problem: no config, a broken config, no password source, a
# password file others can read, a missing password file, a wrong password,
# no repository, a source that is not here, a source never backed up, a late
# backup, a drill plan never run, overdue or failed, an RTO without a plan.
# Usage: doctor_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: doctor_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
unset TIDEMARK_PASSWORD TIDEMARK_REPOSITORY

problems() {  # the PROBLEM lines of the human report in out
  grep -c '^PROBLEM' out
}
problem_says() {  # problem_says TEXT DESCRIPTION: a PROBLEM line contains TEXT
  if grep '^PROBLEM' out | grep -qF -- "$1"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $2: no PROBLEM line with '$1':"; sed 's/^/  /' out; fi
}

# 1. Nothing set up: no config, no password, no repository.
expect 4 "nothing set up" -- "$T" doctor
problem_says "no tidemark.toml" "no config"
problem_says "see docs/guide/config.md" "no config: where to read"
problem_says "no password source" "no password"
problem_says "password_file" "no password: what to set"
problem_says "no repository given" "no repository"
contains err "problems found: each PROBLEM line says what to fix" "summary on stderr"
one_line "nothing set up"

# 2. A healthy setup: config, password file (600), repository, sources
# backed up within their RPO, a drill plan that passed within its cadence.
sqlite3 crm.db "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada'), (2, 'Lin');"
printf 'pw\n' >password
chmod 600 password
cat >tidemark.toml <<EOF
[repository]
location = "$work/repo"
password_file = "$work/password"

[[source]]
name = "crm"
uri = "sqlite:crm.db"
rpo = "1h"
rto = "1h"

[[drill]]
name = "crm-quarterly"
source = "crm"
cadence = "90d"
EOF
expect 0 "init" -- "$T" init --kdf-memory 8 --kdf-iterations 1
expect 0 "backup" -- "$T" backup crm
expect 0 "drill" -- "$T" drill crm-quarterly
expect 0 "healthy" -- "$T" doctor
check_eq "$(problems)" 0 "healthy: no PROBLEM line"
contains out "ok       config tidemark.toml: 1 source, 1 drill plan" "config ok line"
contains out "ok       password file $work/password" "password ok line"
contains out "ok       repository $work/repo: opened" "repository ok line"
contains out "ok       source 'crm': sqlite:crm.db is readable" "source ok line"
contains out "(RPO 1h)" "backup ok line"
contains out "drill plan 'crm-quarterly': last run" "drill ok line"
expect 0 "healthy --json" -- "$T" --json doctor
json 'd["ok"] and d["problems"] == 0 and {c["check"] for c in d["checks"]} >= {"config", "password", "repository", "source", "backup", "drill", "cache"}' "json report"
json 'all(c["state"] == "ok" for c in d["checks"])' "json: all ok"

# 3. The password file: readable by others, then missing; a wrong password.
chmod 644 password
expect 4 "password 644" -- "$T" doctor
problem_says "chmod 600 $work/password" "password readable by others"
check_eq "$(problems)" 1 "only the password problem"
expect 4 "password 644 --json" -- "$T" --json doctor
json 'not d["ok"] and d["problems"] == 1 and [c["check"] for c in d["checks"] if c["state"] == "problem"] == ["password"]' "json names the problem"
chmod 600 password
TIDEMARK_PASSWORD_FILE="$work/nothere" expect 4 "missing password file" -- "$T" doctor
problem_says "password file $work/nothere cannot be read" "missing password file"
printf 'wrong\n' >wrong
chmod 600 wrong
expect 4 "wrong password" -- "$T" --password-file wrong doctor
problem_says "wrong password" "wrong password"
expect 4 "no repository there" -- "$T" -r "$work/nothere" doctor
problem_says "$work/nothere" "no repository"

# 4. Sources: one that is not on this machine, one never backed up; a late
# backup (an RPO of 1 ms has passed by the time doctor runs).
cat >>tidemark.toml <<EOF

[[source]]
name = "wiki"
uri = "sqlite:$work/wiki.db"
rpo = "1ms"
EOF
expect 4 "wiki missing" -- "$T" doctor
problem_says "source 'wiki': $work/wiki.db does not exist on this machine: fix its uri in tidemark.toml" "unreachable source"
problem_says "source 'wiki': never backed up: run \`tidemark backup wiki\`" "never backed up"
sqlite3 wiki.db "CREATE TABLE pages(id INTEGER PRIMARY KEY, body TEXT);"
expect 0 "backup wiki" -- "$T" backup wiki
expect 4 "wiki late" -- "$T" doctor
problem_says "older than its RPO 1ms: run \`tidemark backup wiki\`" "late backup"
check_eq "$(problems)" 1 "only the late backup"

# 5. Drills: a plan never run, an overdue plan, a failed run (wiki's RPO of
# 1 ms fails the drill's RPO check), an RTO without a plan.
cat >>tidemark.toml <<'EOF'

[[drill]]
name = "crm-often"
source = "crm"
cadence = "1ms"

[[drill]]
name = "wiki-smoke"
source = "wiki"
EOF
expect 4 "plans never run" -- "$T" doctor
problem_says "drill plan 'crm-often': never run: run \`tidemark drill crm-often\`" "never run"
expect 0 "drill crm-often" -- "$T" drill crm-often
expect 3 "drill wiki fails" -- "$T" drill wiki-smoke
expect 4 "plan overdue, run failed" -- "$T" doctor
problem_says "drill plan 'crm-often': last run" "overdue drill named"
problem_says "overdue by its cadence 1ms: run \`tidemark drill crm-often\`" "overdue drill"
problem_says "failed: see \`tidemark drills show" "failed drill"
cat >>tidemark.toml <<EOF

[[source]]
name = "hr"
uri = "sqlite:crm.db"
rto = "5m"
EOF
expect 4 "rto without plan" -- "$T" doctor
problem_says "source 'hr': an RTO target (5m) but no drill plan proves it" "RTO without a plan"

# 6. A config that does not load: the error with its place, nothing else guessed.
printf '[[source]]\nname = "a"\n' >broken.toml
expect 4 "broken config" -- "$T" --config broken.toml doctor
problem_says "broken.toml:1:1: source 'a'.uri: missing" "config error with its place"
problem_says "then run \`tidemark config check\`" "config error: what to do"
problem_says "not checked: the config does not load" "repository not guessed"

finish doctor_cli_test
