#!/usr/bin/env python3
"""Single-bit flips in every kind of repository file: packs (data/), index/,
snapshots/, keys/, config, ledger/, holds/ and prune/ marks. Each run copies a
pristine repository, flips one bit (file and bit drawn from the seed) and
requires `check --read-data` to exit 3. Usage: bitflip.py BINARY RUNS SEED [SUMMARY]"""
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

KINDS = ["data", "index", "snapshots", "keys", "config", "ledger", "holds", "prune"]


def files_of(repo, kind):
    top = os.path.join(repo, kind)
    if os.path.isfile(top):
        return [top]
    found = []
    for d, _, names in os.walk(top):
        found += [os.path.join(d, n) for n in names]
    return sorted(found)


def build(c):
    """A repository with every kind of file: snapshots, a hold, a pending prune mark."""
    db = os.path.join(c.work, "crm.db")
    common.sample_crm(db, 800)
    c.must(0, "init", "init", "--kdf-memory", "8", "--kdf-iterations", "1")
    for _ in range(3):
        common.mutate(db, c.rng)
        c.must(0, "backup", "backup", "sqlite:" + db, "--name", "crm")
    c.must(0, "hold", "hold", "add", "crm@latest", "--reason", "campaign")
    # A prune that dies right after its first phase leaves its mark and the
    # .wait file in prune/ (a stale lock no longer holds a sweep back, so a
    # crash point is the way to keep them: docs/guide/debugging.md).
    c.must(0, "forget", "forget", "--keep-last", "1")
    code, _, err = c.tm("prune", env={"TIDEMARK_CRASH_AT": "prune-wait-written"})
    if code != 86:
        raise SystemExit(f"bitflip: prune with TIDEMARK_CRASH_AT=prune-wait-written: exit {code}: {err}")
    c.must(0, "unlock", "unlock")
    for kind in KINDS:
        if not files_of(c.repo, kind):
            raise SystemExit(f"bitflip: the pristine repository has no {kind} file")
    if not c.check(0, read_data=True):
        raise SystemExit("bitflip: the pristine repository does not pass check --read-data")


def main():
    binary, runs, seed, summary = common.args("bitflip.py")
    c = common.Campaign("bitflip", binary, seed)
    build(c)
    pristine, cache = c.repo, c.env["TIDEMARK_CACHE_DIR"]
    scratch = os.path.join(c.work, "flipped")
    for run in range(1, runs + 1):
        kind = KINDS[(run - 1) % len(KINDS)]
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(pristine, os.path.join(scratch, "repo"))
        shutil.copytree(cache, os.path.join(scratch, "cache"))
        victim = c.rng.choice(files_of(os.path.join(scratch, "repo"), kind))
        size = os.path.getsize(victim)
        bit = c.rng.randrange(size * 8)
        with open(victim, "r+b") as f:
            f.seek(bit // 8)
            byte = f.read(1)[0] ^ (1 << (bit % 8))
            f.seek(bit // 8)
            f.write(bytes([byte]))
        name = os.path.relpath(victim, os.path.join(scratch, "repo"))
        code, out, err = c.tm("check", "--read-data", env={
            "TIDEMARK_REPOSITORY": os.path.join(scratch, "repo"),
            "TIDEMARK_CACHE_DIR": os.path.join(scratch, "cache")})
        c.count(f"{kind} flips")
        if code == 3:
            c.count(f"{kind} found")
        else:
            c.count(f"{kind} missed")
            c.fail(run, f"flip of bit {bit} of {name} ({size} bytes): check --read-data "
                   f"exit {code}, want 3", (out[-300:] + " " + err))
    return c.summary(summary, runs=runs, kinds=KINDS)


if __name__ == "__main__":
    sys.exit(main())
