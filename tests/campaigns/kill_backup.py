#!/usr/bin/env python3
"""kill -9 at a random point of `backup`: after each kill, `check` exits 0, the
source is unchanged, every snapshot listed restores to exactly the state it was
taken of, and the next backup works. Usage: kill_backup.py BINARY RUNS SEED [SUMMARY]"""
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def main():
    binary, runs, seed, summary = common.args("kill_backup.py")
    c = common.Campaign("kill_backup", binary, seed)
    db = os.path.join(c.work, "crm.db")
    common.sample_crm(db, 3000)
    c.must(0, "init", "init", "--kdf-memory", "8", "--kdf-iterations", "1")
    backup = ["--json", "backup", "sqlite:" + db, "--name", "crm"]
    expected = {}
    for _ in range(2):  # the second is an incremental backup, like the runs below
        common.mutate(db, c.rng)
        took, out = c.timed(*backup)
        expected[json.loads(out)["snapshot"]] = digest(common.dump(db))
    # The kill falls anywhere from the start to a little past a backup's usual
    # length (so some runs complete): a fraction drawn from the seed, times
    # the duration measured here and every 10th run.
    span = max(took, 0.02) * 1.5
    for run in range(1, runs + 1):
        if run % 10 == 0:  # measure again: the database grows, the load changes
            common.mutate(db, c.rng)
            took, out = c.timed(*backup)
            expected[json.loads(out)["snapshot"]] = digest(common.dump(db))
            span = max(took, 0.02) * 1.5
        common.mutate(db, c.rng)
        state = common.dump(db)
        before = {s["id"] for s in c.snapshots(run)}
        delay = c.rng.random() * span
        killed, code, out = c.kill_after(delay, *backup)
        c.count("killed" if killed else "completed")
        if not killed and code != 0:
            c.fail(run, f"backup (not killed, delay {delay:.3f}s) exit {code}")
        if common.dump(db) != state:
            c.fail(run, "the source database changed during the backup")
        c.check(run, read_data=(run % 4 == 0))
        new = [s["id"] for s in c.snapshots(run) if s["id"] not in before]
        if len(new) > 1:
            c.fail(run, f"{len(new)} snapshots from one backup")
        if not killed and code == 0 and len(new) != 1:
            c.fail(run, "a completed backup's snapshot is not listed")
        if killed and new:
            c.count("killed after the snapshot was stored")
        for snap in new:
            expected[snap] = digest(state)
            got = c.restore_dump(run, snap)
            if got is not None and got != state:
                c.fail(run, f"snapshot {snap[:12]} restores a different state")
                c.count("restored wrongly")
        c.must(run, "unlock", "unlock")
    # Every snapshot still restores to the state it was taken of.
    for s in c.snapshots(runs + 1):
        got = c.restore_dump(runs + 1, s["id"])
        if s["id"] not in expected:
            c.fail(runs + 1, f"snapshot {s['short_id']} of no known backup")
        elif got is not None and digest(got) != expected[s["id"]]:
            c.fail(runs + 1, f"snapshot {s['short_id']} restores a different state")
            c.count("restored wrongly")
    c.check(runs + 1, read_data=True)
    return c.summary(summary, runs=runs)


if __name__ == "__main__":
    sys.exit(main())
