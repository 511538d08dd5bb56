#!/usr/bin/env python3
"""kill -9 at a random point of `prune`: after each kill, `check` exits 0 and
every snapshot left restores to exactly the state it was taken of; the next
prune (after `unlock` removes the dead one's lock) resumes.
Usage: kill_prune.py BINARY RUNS SEED [SUMMARY]"""
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

KEEP = 3


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def main():
    binary, runs, seed, summary = common.args("kill_prune.py")
    c = common.Campaign("kill_prune", binary, seed)
    db = os.path.join(c.work, "crm.db")
    common.sample_crm(db, 2000)
    c.must(0, "init", "init", "--kdf-memory", "8", "--kdf-iterations", "1")
    expected = {}

    def backup(run):
        common.mutate(db, c.rng)
        code, out = c.must(run, "backup", "--json", "backup", "sqlite:" + db, "--name", "crm")
        if code == 0:
            expected[json.loads(out)["snapshot"]] = digest(common.dump(db))

    for _ in range(KEEP + 2):
        backup(0)
    c.must(0, "forget", "forget", "--keep-last", str(KEEP))
    took, _ = c.timed("prune", "--max-unused", "0%")
    # The kill falls anywhere from the start to a little past a prune's usual
    # length: a fraction drawn from the seed, times the duration measured here.
    span = max(took, 0.02) * 1.5
    for run in range(1, runs + 1):
        backup(run)
        backup(run)
        c.must(run, "forget", "forget", "--keep-last", str(KEEP))
        delay = c.rng.random() * span
        killed, code, _ = c.kill_after(delay, "prune", "--max-unused", "0%")
        c.count("killed" if killed else "completed")
        if not killed and code != 0:
            c.fail(run, f"prune (not killed, delay {delay:.3f}s) exit {code}")
        c.check(run, read_data=(run % 3 == 0))
        for s in c.snapshots(run):
            got = c.restore_dump(run, s["id"])
            if got is not None and digest(got) != expected.get(s["id"]):
                c.fail(run, f"snapshot {s['short_id']} restores a different state")
                c.count("restored wrongly")
        c.must(run, "unlock", "unlock")
    c.must(runs + 1, "the last prune", "prune", "--max-unused", "0%")
    c.check(runs + 1, read_data=True)
    return c.summary(summary, runs=runs)


if __name__ == "__main__":
    sys.exit(main())
