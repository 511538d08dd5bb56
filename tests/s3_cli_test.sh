#!/usr/bin/env bash
# The S3 backend through the real binary, on the S3 test server (which
# verifies signatures): init, backup, restore byte-identical and check
# --read-data on s3:; a wrong secret (exit 5), a missing bucket, plain http
# off loopback; credentials from a profile and from tidemark.toml; secrets
# never printed; crashes around a pack upload and two concurrent backups
# leave a repository that passes check; copy between a folder and a bucket;
# Object Lock's init flags and the WORM probe's "not enforced" path.
# Usage: s3_cli_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: s3_cli_test.sh path/to/tidemark}")
source "$(dirname "${BASH_SOURCE[0]}")/cli_testlib.sh"
source "$here/tests/s3/s3rver_lib.sh"
start_s3rver "$work/s3data"
base="s3:http://127.0.0.1:$S3_PORT/tidemark-test"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION
export AWS_SHARED_CREDENTIALS_FILE="$work/no-credentials"
export TIDEMARK_REPOSITORY="$base/main"
init() { "$T" init --kdf-memory 8 --kdf-iterations 1 "$@"; }
same_db() {  # same_db A B DESCRIPTION: the two SQLite files dump the same
  if cmp -s <(sqlite3 "$1" .dump) <(sqlite3 "$2" .dump); then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $3: $1 and $2 differ"; fi
}

"$here/scripts/sample-crm" crm.db 200 >/dev/null
expect 0 "init on s3" -- init
contains out "at $base/main" "init names the s3 location"
expect 4 "init refuses an existing repository" -- init
contains err "a repository already exists at $base/main" "init refusal message"
expect 0 "backup to s3" -- "$T" --json backup sqlite:crm.db --name crm
json 'd["records"] > 0' "backup json"
expect 0 "snapshots" -- "$T" --json snapshots
json 'len(d) == 1' "one snapshot"
expect 0 "restore from s3" -- "$T" restore latest --to sqlite:r1.db
same_db crm.db r1.db "restore from s3 is byte-identical"
expect 0 "check --read-data on s3" -- "$T" check --read-data
contains out "no damage found" "check finds no damage"

# Errors that say what to do.
AWS_SECRET_ACCESS_KEY=wrong-secret-123 expect 5 "wrong secret" -- "$T" snapshots
one_line "wrong secret"
contains err "the secret access key is wrong; check the secret from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)" "wrong secret message"
if grep -q wrong-secret-123 err out; then failed=$((failed + 1)); echo "FAIL: the secret was printed"; else passed=$((passed + 1)); fi
AWS_ACCESS_KEY_ID=NOBODY expect 5 "unknown key id" -- "$T" snapshots
contains err "NOBODY" "unknown key id named"
expect 1 "missing bucket" -- "$T" -r "s3:http://127.0.0.1:$S3_PORT/no-such-bucket" snapshots
contains err "bucket no-such-bucket does not exist" "missing bucket message"
expect 2 "plain http off loopback" -- "$T" -r "s3:http://s3.example.com/bkt" snapshots
contains err "--s3-allow-http" "plain http hint"
expect 2 "bad location" -- "$T" -r "s3:https://h" snapshots
contains err "s3:https://HOST[:PORT]/BUCKET[/PREFIX]" "location usage"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$T" snapshots </dev/null >out 2>err
check_eq "$?" 5 "no credentials: exit 5"
contains err "no S3 credentials" "no credentials message"

# Credentials from a profile of the shared credentials file, and from
# tidemark.toml with the secret in a file or from a command.
printf '[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n[backup]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >creds
AWS_SHARED_CREDENTIALS_FILE=$work/creds AWS_PROFILE=backup expect 0 "AWS_PROFILE" -- \
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$T" snapshots
AWS_SHARED_CREDENTIALS_FILE=$work/creds expect 5 "default profile with a wrong secret" -- \
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$T" snapshots
contains err "profile 'default' of $work/creds" "profile named in the message"
echo S3RVER >secret
printf '[repository]\nlocation = "%s"\n[repository.s3]\naccess_key_id = "S3RVER"\nsecret_file = "%s"\n' "$base/main" "$work/secret" >tidemark.toml
expect 0 "secret_file in tidemark.toml" -- env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  -u TIDEMARK_REPOSITORY "$T" --config tidemark.toml snapshots
printf '[repository]\nlocation = "%s"\n[repository.s3]\naccess_key_id = "S3RVER"\nsecret_command = "echo S3RVER"\n' "$base/main" >tidemark.toml
expect 0 "secret_command in tidemark.toml" -- env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  -u TIDEMARK_REPOSITORY "$T" --config tidemark.toml snapshots
printf '[repository]\nlocation = "%s"\n[repository.s3]\naccess_key_id = "S3RVER"\nsecret_command = "echo nope-secret-77"\n' "$base/main" >tidemark.toml
expect 5 "a wrong secret from secret_command" -- env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
  -u TIDEMARK_REPOSITORY "$T" --config tidemark.toml snapshots
contains err "tidemark.toml [repository.s3] secret_command" "secret_command named in the message"
rm tidemark.toml
expect 0 "ledger json" -- "$T" --json ledger show
if grep -rq "S3RVER\b.*secret\|nope-secret-77\|wrong-secret-123" out; then failed=$((failed + 1)); echo "FAIL: a secret in the ledger"; else passed=$((passed + 1)); fi

# A crash right before and right after a pack upload (a PUT is stored whole
# or not at all, so these are the states a kill during an upload leaves).
sqlite3 crm.db "UPDATE customers SET name = name || '!' WHERE id % 3 = 0"
TIDEMARK_CRASH_AT=s3-before-pack-put expect 86 "crash before a pack upload" -- "$T" backup sqlite:crm.db --name crm
expect 0 "check after the crash before the upload" -- "$T" --lock-wait 0 check --read-data
TIDEMARK_CRASH_AT=s3-after-pack-put expect 86 "crash after a pack upload" -- "$T" backup sqlite:crm.db --name crm
expect 0 "check after the crash after the upload" -- "$T" check --read-data
# A real kill -9 in the middle of a backup's uploads: 1 MiB packs, killed as
# soon as the server holds the first one (an event, not a timer).
"$here/scripts/sample-crm" big.db 20000 >/dev/null
expect 0 "init with small packs" -- "$T" -r "$base/killed" init --kdf-memory 8 --kdf-iterations 1 --pack-size 1
"$T" -r "$base/killed" backup sqlite:big.db --name big </dev/null >/dev/null 2>&1 &
bgpid=$!
packs="$work/s3data/tidemark-test/killed/data"
while kill -0 "$bgpid" 2>/dev/null && [ -z "$(find "$packs" -name '*._S3rver_object' 2>/dev/null | head -1)" ]; do :; done
kill -9 "$bgpid" 2>/dev/null
wait "$bgpid" 2>/dev/null
check_eq "$?" 137 "the backup was killed mid-way (not finished)"
expect 0 "check after kill -9 during uploads" -- "$T" -r "$base/killed" --lock-wait 0 check --read-data
expect 0 "a backup after the kill" -- "$T" -r "$base/killed" backup sqlite:big.db --name big
expect 0 "check after the next backup" -- "$T" -r "$base/killed" check --read-data

# Two backups at once into one bucket.
cp crm.db crm2.db
sqlite3 crm2.db "DELETE FROM customers WHERE id % 5 = 0"
"$T" backup sqlite:crm.db --name crm </dev/null >b1.out 2>&1 &
p1=$!
"$T" backup sqlite:crm2.db --name crm2 </dev/null >b2.out 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check_eq "$r1:$r2" "0:0" "two concurrent backups succeed"
expect 0 "check after concurrent backups" -- "$T" check --read-data
expect 0 "ledger verifies" -- "$T" ledger verify
expect 0 "restore of the concurrent backup" -- "$T" restore crm2@latest --to sqlite:r2.db
same_db crm2.db r2.db "concurrent backup restores byte-identically"

# copy: S3 -> folder and folder -> S3, re-encrypted, incremental, ledgered.
# Long and distinctive, so that grep cannot find it in random ciphertext by chance.
dest_pw=copy-destination-passphrase-5e1d
TIDEMARK_TO_PASSWORD=$dest_pw expect 0 "init local destination" -- env TIDEMARK_PASSWORD=$dest_pw \
  "$T" -r "$work/local" init --kdf-memory 8 --kdf-iterations 1
TIDEMARK_TO_PASSWORD=$dest_pw expect 0 "copy s3 -> local" -- "$T" --json copy --to "$work/local" --source crm
json 'd["copied"] >= 2 and d["already"] == 0' "copy counts"
n_copied=$(python3 -c "import json; print(json.load(open('out'))['copied'])")
TIDEMARK_TO_PASSWORD=$dest_pw expect 0 "copy again: nothing to do" -- "$T" --json copy --to "$work/local" --source crm
json 'd["copied"] == 0 and d["already"] == '"$n_copied"' and d["bytes_added"] == 0' "incremental: nothing copied twice"
expect 0 "restore the copy" -- env TIDEMARK_PASSWORD=$dest_pw "$T" -r "$work/local" restore crm@latest --to sqlite:r3.db
same_db crm.db r3.db "the copied snapshot restores byte-identically"
expect 0 "check --read-data on the destination" -- env TIDEMARK_PASSWORD=$dest_pw "$T" -r "$work/local" check --read-data
expect 0 "destination ledger" -- env TIDEMARK_PASSWORD=$dest_pw "$T" -r "$work/local" --json ledger show
json 'any(e["action"] == "copy" and e["outcome"] == "ok" for e in d)' "copy recorded in the destination's ledger"
expect 0 "source ledger" -- "$T" --json ledger show
json 'any(e["action"] == "copy" and e["outcome"] == "ok" for e in d)' "copy recorded in the source's ledger"
if grep -rqF "$dest_pw" "$work/local"; then failed=$((failed + 1)); echo "FAIL: a password in the repository"; else passed=$((passed + 1)); fi
# One more backup, then copy it on: only the new snapshot moves, and little data.
sqlite3 crm.db "UPDATE orders SET status = 'late' WHERE id = 9"
expect 0 "another backup" -- "$T" backup sqlite:crm.db --name crm
TIDEMARK_TO_PASSWORD=$dest_pw expect 0 "incremental copy" -- "$T" --json copy --to "$work/local" crm@latest
json 'd["copied"] == 1 and d["bytes_added"] < 20000' "incremental copy moves little"
# folder -> a second bucket prefix, with copy_to from tidemark.toml.
expect 0 "init a second s3 repository" -- "$T" -r "$base/offsite" init --kdf-memory 8 --kdf-iterations 1
printf '[[source]]\nname = "crm"\nuri = "sqlite:%s"\ncopy_to = "%s"\n' "$work/crm.db" "$base/offsite" >tidemark.toml
TIDEMARK_TO_PASSWORD=pw expect 0 "copy local -> s3 by copy_to" -- env TIDEMARK_PASSWORD=$dest_pw \
  "$T" --config tidemark.toml --json copy --from "$work/local" --source crm
json 'd["copied"] == '"$((n_copied + 1))"' and d["to"] == "'"$base/offsite"'"' "copy_to used"
rm tidemark.toml
expect 0 "restore from the offsite copy" -- "$T" -r "$base/offsite" restore crm@latest --to sqlite:r4.db
same_db crm.db r4.db "a copy of a copy restores byte-identically"
expect 0 "check --read-data offsite" -- "$T" -r "$base/offsite" check --read-data
expect 2 "copy without a destination" -- "$T" copy --source crm
contains err "no destination" "copy destination hint"

# Object Lock: the test server takes lock headers but does not enforce them,
# so the WORM probe must say so loudly, and --require-worm must fail.
expect 2 "--object-lock on a folder" -- "$T" -r "$work/lockdir" init --object-lock compliance --lock-days 7
contains err "needs an S3 repository" "object lock needs s3"
[ ! -e "$work/lockdir" ] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: a refused init left a folder"; }
expect 2 "--object-lock without --lock-days" -- "$T" -r "$base/locked" init --object-lock governance
contains err "--lock-days" "lock days hint"
expect 0 "init --object-lock on s3" -- "$T" -r "$base/locked" --json init --kdf-memory 8 --kdf-iterations 1 --object-lock governance --lock-days 3
json 'd["worm"]["mode"] == "governance" and d["worm"]["days"] == 3 and d["worm"]["probed"] and not d["worm"]["enforced"]' "init reports the probe"
contains err "THE BUCKET DOES NOT ENFORCE OBJECT LOCK" "init warns loudly"
expect 0 "backup into the locked repository" -- "$T" -r "$base/locked" backup sqlite:crm.db --name crm
expect 0 "check warns" -- "$T" -r "$base/locked" --json check
json 'd["worm"]["probed"] and not d["worm"]["enforced"] and any("DOES NOT ENFORCE" in w["message"] for w in d["warnings"])' "check warns that the lock is not enforced"
expect 3 "check --require-worm" -- "$T" -r "$base/locked" check --require-worm
contains out "DOES NOT ENFORCE OBJECT LOCK" "require-worm names the problem"
expect 3 "check --require-worm without Object Lock" -- "$T" check --require-worm
contains out "not under Object Lock" "require-worm on an unlocked repository"

finish s3_cli
