#!/usr/bin/env python3
"""kill -9 during `rollback`: at a named crash point (TIDEMARK_CRASH_AT) or at
a random moment. After each, the live database is exactly the state before or
exactly the state after (never half; the AUTOINCREMENT counters aside, which
rollback never lowers), passes PRAGMA integrity_check, the ledger's
last entry of the apply agrees with which, and the next rollback records the
right recovery (`recovered: committed` / `recovered: not committed`).
Usage: kill_rollback.py BINARY RUNS SEED [SUMMARY]"""
import difflib
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

POINTS = ["rollback-after-safety-snapshot", "rollback-in-transaction",
          "rollback-before-commit", "rollback-after-commit", "rollback-before-ledger"]
BEFORE_COMMIT = {"started", "safety-snapshot"}


def ledger_after(c, run, seq):
    code, out, err = c.tm("--json", "ledger", "show", "--action", "rollback")
    if code != 0:
        c.fail(run, f"ledger show exit {code}", err)
        return []
    return [e for e in json.loads(out) if e["seq"] > seq]


def last_seq(c):
    code, out, _ = c.tm("--json", "ledger", "show")
    return max((e["seq"] for e in json.loads(out)), default=0) if code == 0 else 0


def records(dump):
    """A dump without the AUTOINCREMENT counters, which rollback never lowers
    (docs/guide/rollback.md): the state after is compared without them."""
    return [ln for ln in dump.splitlines() if not ln.startswith("INSERT INTO sqlite_sequence")]


def judge(c, run, how, live, a, b, entries):
    """live is exactly b (untouched), or a but for sqlite_sequence; the the apply's last ledger entry agrees. Returns 'after'/'before'/None."""
    state = "before" if live == b else "after" if records(live) == records(a) else None
    if state is None:
        diff = [ln for ln in difflib.unified_diff(a.splitlines(), live.splitlines(), lineterm="", n=0)
                if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        c.fail(run, f"{how}: live is neither the state before nor the state after",
               f"{len(diff)} lines differ from the state after: " + " ".join(diff[:4]))
        c.count("half-applied")
        return None
    last = entries[-1]["outcome"] if entries else "none"
    c.count(f"ledger last '{last}', live {state}")
    if last in BEFORE_COMMIT | {"none"} and state != "before":
        c.fail(run, f"{how}: ledger ends with '{last}' (no COMMIT) but live is changed")
    if last in ("ok", "post-snapshot") and state != "after":
        c.fail(run, f"{how}: ledger says {last} (after COMMIT) but live is unchanged")
    # post-snapshot: committed, and the repaired state snapshotted; the final
    # 'ok' entry was not written, so the next run records 'recovered: committed'.
    if last not in BEFORE_COMMIT | {"none", "ok", "committing", "post-snapshot"}:
        c.fail(run, f"{how}: unexpected ledger outcome '{last}'")
    return state


def main():
    binary, runs, seed, summary = common.args("kill_rollback.py")
    c = common.Campaign("kill_rollback", binary, seed)
    db = os.path.join(c.work, "crm.db")
    common.sample_crm(db, 1500)
    c.must(0, "init", "init", "--kdf-memory", "8", "--kdf-iterations", "1")
    backup = ["--json", "backup", "sqlite:" + db, "--name", "crm"]

    def snap(run):
        code, out = c.must(run, "backup", *backup)
        return json.loads(out)["snapshot"] if code == 0 else None

    # Calibrate the length of one apply for the kills by timing.
    a_id = snap(0)
    common.mutate(db, c.rng)
    snap(0)
    took, _ = c.timed("rollback", "crm", "--to", a_id, "--yes")
    span = max(took, 0.02) * 1.2
    for run in range(1, runs + 1):
        a_id, a = snap(run), common.dump(db)  # the target: the state now
        common.mutate(db, c.rng)
        snap(run)
        b = common.dump(db)  # the state before the apply
        seq = last_seq(c)
        cmd = ["rollback", "crm", "--to", a_id, "--yes"]
        if c.rng.random() < 0.5:
            point = c.rng.choice(POINTS)
            how = f"crash at {point}"
            code, _, err = c.tm(*cmd, env={"TIDEMARK_CRASH_AT": point})
            if code != 86:
                c.fail(run, f"{how}: exit {code}, want 86", err)
        else:
            delay = c.rng.random() * span
            how = f"kill -9 after {delay:.3f}s"
            killed, code, _ = c.kill_after(delay, *cmd)
            if not killed and code != 0:
                c.fail(run, f"{how}: not killed, exit {code}")
            point = "kill -9" if killed else "completed"
        c.count(point)
        live = common.dump(db)
        ok = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True)
        if ok.stdout.decode().strip() != "ok":
            c.fail(run, f"{how}: PRAGMA integrity_check", ok.stdout.decode())
        entries = ledger_after(c, run, seq)
        state = judge(c, run, how, live, a, b, entries)
        # The next rollback (a dry run) resolves an apply that ended at `committing`.
        code, _, err = c.tm("rollback", "crm", "--to", a_id, "--dry-run")
        if code != 0:
            c.fail(run, f"{how}: the next rollback --dry-run exit {code}", err)
        after = ledger_after(c, run, seq)[len(entries):]
        rec = [e["outcome"] for e in after if e["outcome"].startswith("recovered")]
        if entries and entries[-1]["outcome"] in ("committing", "post-snapshot"):
            want = {"after": "recovered: committed", "before": "recovered: not committed"}
            c.count("recoveries")
            if state and rec != [want[state]]:
                c.fail(run, f"{how}: recovery records {rec}, want ['{want[state]}'] (live {state})")
                c.count("wrong recovery record")
        elif rec:
            c.fail(run, f"{how}: recovery records {rec} after a '{entries[-1]['outcome'] if entries else 'none'}'")
        c.check(run, read_data=(run % 4 == 0))
        c.must(run, "unlock", "unlock")
    c.must(runs + 1, "ledger verify", "ledger", "verify")
    c.check(runs + 1, read_data=True)
    return c.summary(summary, runs=runs)


if __name__ == "__main__":
    sys.exit(main())
