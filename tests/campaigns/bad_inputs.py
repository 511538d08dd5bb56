#!/usr/bin/env python3
"""Bad inputs: hostile flags, tidemark.toml files, damaged CSV/NDJSON exports,
odd SQLite schemas, truncated repository files. Each command must end on its
own (no hang: a timeout), by exit (no signal, no exit >= 128, no sanitizer
report), with a documented code (0-5), and a failure must say so in one line
on stderr. A fixed list of cases plus RUNS random ones drawn from the seed.
Usage: bad_inputs.py BINARY RUNS SEED [SUMMARY]"""
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

LIMIT = float(os.environ.get("TIDEMARK_CAMPAIGN_CASE_TIMEOUT", "60"))
SANITIZER = common.SANITIZER
KINDS = ["data", "index", "snapshots", "keys", "config", "ledger", "holds", "prune"]
TOKENS = ["", "-", "--", "-1", "0", "1e999", "99999999999999999999", "nan", "%", "100%", "0%",
          "x" * 4096, "crm@", "@latest", "crm@latest", "crm@9999-99-99", "latest", "..", "a..b",
          "sqlite:", "sqlite:/", "sqlite:/dev/null", "sqlite:/nonexistent/x.db", "s3://b/x",
          "é\u202e\u0000x".replace("\u0000", ""), "'; DROP TABLE customers; --", "\\", "\t",
          "--json", "--yes", "--force", "--dry-run", "--table", "--key", "--to", "--out",
          "--keep-last", "--keep-within", "--since", "--reason", "--tag", "--name",
          "--read-data-subset", "--max-unused", "--format", "--source", "--limit", "{}", "[]",
          "{\"a\":", "1/0", "999d", "-5y", "2026-02-30T25:61", "customers", "nc_views", "orders"]
COMMANDS = [["backup"], ["snapshots"], ["show"], ["ls"], ["diff"], ["history"], ["restore"],
            ["export"], ["verify-export"], ["forget"], ["prune"], ["hold", "add"],
            ["hold", "list"], ["hold", "remove"], ["rollback", "crm"], ["revert", "crm"],
            ["check"], ["cat"], ["cat", "blob"], ["cat", "pack"], ["ledger", "show"],
            ["ledger", "verify"], ["key", "list"], ["drill"], ["drills"], ["status"],
            ["alerts"], ["sources"], ["config", "check"], ["repair", "index"], ["unlock"]]
SCHEMAS = {
    "no primary key": "CREATE TABLE t(a, b); INSERT INTO t VALUES(1, 2), (1, 2), (NULL, NULL);",
    "without rowid, composite key": "CREATE TABLE t(a TEXT, b BLOB, c, PRIMARY KEY(a, b)) "
                                    "WITHOUT ROWID; INSERT INTO t VALUES('x', x'00ff', 1);",
    "blob and real keys": "CREATE TABLE t(k BLOB PRIMARY KEY, v); INSERT INTO t VALUES(x'', 1),"
                          " (x'00', 2); CREATE TABLE r(k REAL PRIMARY KEY); INSERT INTO r "
                          "VALUES(1.5), (-0.0), (1e308);",
    "names with quotes and newlines": "CREATE TABLE \"we\"\"ird\n name\"(\"co;l\" INTEGER "
                                      "PRIMARY KEY, \"\"\"\" TEXT); INSERT INTO \"we\"\"ird\n "
                                      "name\" VALUES(1, 'a\nb');",
    "unicode names": "CREATE TABLE \"tâblé_ñ_\u6f22\"(\"ключ\" INTEGER PRIMARY KEY, v TEXT); "
                     "INSERT INTO \"tâblé_ñ_\u6f22\" VALUES(1, '\u202e');",
    "generated and strict": "CREATE TABLE t(id INTEGER PRIMARY KEY, a INT, b INT GENERATED "
                            "ALWAYS AS (a * 2) STORED, c INT GENERATED ALWAYS AS (a + 1)) STRICT;"
                            " INSERT INTO t(id, a) VALUES(1, 2);",
    "fts5 virtual table": "CREATE VIRTUAL TABLE f USING fts5(body); INSERT INTO f "
                          "VALUES('hello world');",
    "big values": "CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES(1, "
                  "randomblob(6000000)), (2, hex(zeroblob(1500000)));",
    "many columns": "CREATE TABLE t(id INTEGER PRIMARY KEY, "
                    + ", ".join(f"c{i}" for i in range(1500)) + "); INSERT INTO t(id) VALUES(1);",
    "empty database": "PRAGMA user_version = 1;",
    "only a view": "CREATE VIEW v AS SELECT 1 AS x;",
    "null in a text key": "CREATE TABLE t(k TEXT PRIMARY KEY, v); INSERT INTO t VALUES(NULL, 1),"
                          " (NULL, 2);",
    "mixed types in a key": "CREATE TABLE t(k PRIMARY KEY, v); INSERT INTO t VALUES(1, 'a'), "
                            "('1', 'b'), (x'31', 'c'), (1.0e0 + 0.5, 'd');",
}
CONFIGS = {
    "binary": b"\x00\xff\xfe[[source]]\x00\x01",
    "unterminated": b"[repository\nlocation = \"/x",
    "wrong types": b"[repository]\nlocation = 5\n[[source]]\nname = []\nuri = {a = 1}\n",
    "deep nesting": b"a = " + b"[" * 20000 + b"]" * 20000 + b"\n",
    "huge string": b"[[source]]\nname = \"" + b"n" * 2000000 + b"\"\nuri = \"sqlite:x\"\n",
    "duplicate keys": b"[repository]\nlocation = \"a\"\nlocation = \"b\"\n",
    "unknown keys": b"[nope]\nx = 1\n[[source]]\nname = \"crm\"\nuri = \"sqlite:crm.db\"\n"
                    b"frobnicate = true\n",
    "bad durations": b"[[source]]\nname = \"crm\"\nuri = \"sqlite:crm.db\"\nrpo = \"-1h\"\n"
                     b"rto = \"99999999999999999999y\"\n",
    "control characters": b"[[source]]\nname = \"a\\u0000b\\n\"\nuri = \"sqlite:\\u001b[31m\"\n",
    "bad thresholds": b"[[source]]\nname = \"crm\"\nuri = \"sqlite:crm.db\"\n[source.anomalies]"
                      b"\ndeleted = nan\nchanged = -inf\n",
}


class BadInputs(common.Campaign):
    slowest = (0.0, "")

    def case(self, group, what, *argv, env=None, cwd=None):
        """Runs one hostile command and judges only how it ends."""
        start = time.monotonic()
        code, out, err = self.tm(*argv, env=env, cwd=cwd, timeout=LIMIT)
        took = time.monotonic() - start
        self.count(f"{group} cases")
        label = f"{group}: {what}: tidemark {' '.join(a[:40] for a in argv)[:200]}"
        if took > self.slowest[0]:
            self.slowest = (round(took, 2), label)
        if code == -1 and err == "timeout":
            self.count("hangs")
            return self.fail(0, f"{label}: no exit within {LIMIT:.0f}s")
        if code < 0 or code >= 128 or any(s in err for s in SANITIZER):
            self.count("crashes")
            return self.fail(0, f"{label}: crashed (exit {code})", err[-600:])
        if code not in range(0, 6):
            return self.fail(0, f"{label}: exit {code} is not a documented code", err)
        if code != 0:
            # `check` names each damaged object on stderr too ("tidemark: damaged: ..."),
            # before its one error line (docs/guide/check.md).
            lines = [ln for ln in err.splitlines()
                     if not ln.startswith(("tidemark: warning:", "tidemark: damaged:"))
                     and ln != common.HINT]
            if len(lines) != 1:
                self.count("errors not one line")
                if os.environ.get("TIDEMARK_CAMPAIGN_DUMP"):
                    with open(os.environ["TIDEMARK_CAMPAIGN_DUMP"], "a") as f:
                        f.write(label + "\n" + err + "\n----\n")
                return self.fail(0, f"{label}: exit {code} with {len(lines)} error lines",
                                 " | ".join(lines)[-400:])
        return code


def setup(c):
    db = os.path.join(c.work, "crm.db")
    common.sample_crm(db, 300)
    c.must(0, "init", "init", "--kdf-memory", "8", "--kdf-iterations", "1")
    c.must(0, "backup", "backup", "sqlite:" + db, "--name", "crm")
    c.must(0, "hold", "hold", "add", "crm@latest", "--reason", "campaign")
    common.mutate(db, c.rng)
    c.must(0, "backup", "backup", "sqlite:" + db, "--name", "crm")
    first = c.snapshots(0)[0]["id"]
    c.tm("rollback", "crm", "--to", first, "--yes",
         env={"TIDEMARK_CRASH_AT": "rollback-after-safety-snapshot"})
    common.mutate(db, c.rng)
    c.must(0, "backup", "backup", "sqlite:" + db, "--name", "crm")
    c.must(0, "forget", "forget", "--keep-last", "1")
    # A prune that dies after its first phase keeps its mark and .wait file in
    # prune/ (a stale lock no longer holds the sweep back).
    code, _, err = c.tm("prune", env={"TIDEMARK_CRASH_AT": "prune-wait-written"})
    if code != 86:
        raise SystemExit(f"bad_inputs: prune with TIDEMARK_CRASH_AT=prune-wait-written: exit {code}: {err}")
    c.must(0, "unlock", "unlock")


def flags(c, runs):
    fixed = [["backup", "sqlite:" + "A" * 5000], ["backup", "sqlite:/dev/null"],
             ["backup", "sqlite:/etc"], ["backup", "sqlite:crm.db", "--name", "a@b"],
             ["backup", "sqlite:crm.db", "--tag", "t" * 100000],
             ["restore", "x" * 300, "--to", "sqlite:out.db"],
             ["restore", "crm@latest", "--to", "sqlite:/proc/nope/x.db"],
             ["check", "--read-data-subset", "-1%"], ["check", "--read-data-subset", "1e999%"],
             ["forget", "--keep-last", "99999999999999999999"], ["forget", "--keep-last", "-5"],
             ["forget", "--keep-within", "9999999999y"], ["--repo", "", "check"],
             ["snapshots", "--since", "2026-13-45"], ["init", "--kdf-memory", "99999999999"],
             ["rollback", "crm", "--to", "crm@latest", "--table", "'; DROP TABLE x; --"],
             ["export", "crm@latest", "--out", "/proc/x"], ["cat", "blob", "zz"],
             ["--password-command", "exit 7", "check"], ["--password-file", "/dev/null", "check"]]
    for argv in fixed:
        c.case("flags", "fixed", *argv)
    for _ in range(runs):
        argv = list(c.rng.choice(COMMANDS)) + [c.rng.choice(TOKENS)
                                               for _ in range(c.rng.randint(0, 5))]
        c.case("flags", "random", *argv)


def configs(c):
    for name, text in CONFIGS.items():
        path = os.path.join(c.work, "bad.toml")
        with open(path, "wb") as f:
            f.write(text)
        for argv in (["config", "check"], ["sources"], ["status"], ["backup", "--all"]):
            c.case("config", name, "--config", path, *argv)
        c.case("config", name + " as --plan-file", "drill", "crm", "--plan-file", path)


def exports(c, runs):
    """Damaged export folders: truncated, garbled or extra CSV/NDJSON files."""
    for fmt in ("csv", "ndjson"):
        good = os.path.join(c.work, f"export-{fmt}")
        c.must(0, "export", "export", "crm@latest", "--out", good, "--format", fmt)
        files = sorted(os.path.join(d, n) for d, _, ns in os.walk(good) for n in ns)
        for i in range(max(1, runs // 2)):
            bad = os.path.join(c.work, "bad-export")
            shutil.rmtree(bad, ignore_errors=True)
            shutil.copytree(good, bad)
            victim = os.path.join(bad, os.path.relpath(c.rng.choice(files), good))
            data = open(victim, "rb").read()
            how = c.rng.choice(["truncate", "garble", "binary", "empty"])
            cut = c.rng.randrange(len(data) + 1)
            new = {"truncate": data[:cut], "empty": b"",
                   "garble": data[:cut] + b"\",\"\n{\"x\":[1,\n\"" + data[cut:],
                   "binary": bytes(c.rng.randrange(256) for _ in range(512))}[how]
            with open(victim, "wb") as f:
                f.write(new)
            c.case("csv/json", f"{fmt} {how} {os.path.basename(victim)}", "verify-export", bad)


def schemas(c):
    for name, text in SCHEMAS.items():
        db = os.path.join(c.work, "odd.db")
        if os.path.exists(db):
            os.remove(db)
        common.sql(db, text)
        code = c.case("schemas", name, "backup", "sqlite:" + db, "--name", "odd")
        if code == 0:
            out = os.path.join(c.work, "odd-restored.db")
            if os.path.exists(out):
                os.remove(out)
            if c.case("schemas", name + " restore", "restore", "odd@latest", "--to",
                      "sqlite:" + out) == 0 and common.dump(out) != common.dump(db):
                c.fail(0, f"schemas: {name}: the restore differs from the source")
            c.case("schemas", name + " export", "export", "odd@latest", "--out",
                   os.path.join(c.work, f"odd-export-{c.counts.get('schemas cases')}"))
    for name, data in (("not sqlite", b"hello"), ("truncated sqlite", None)):
        db = os.path.join(c.work, "odd.db")
        if data is None:
            data = open(os.path.join(c.work, "crm.db"), "rb").read()[:5000]
        with open(db, "wb") as f:
            f.write(data)
        c.case("schemas", name, "backup", "sqlite:" + db, "--name", "odd")


def truncations(c, runs):
    """Truncated repository files: every command that reads them ends cleanly."""
    scratch = os.path.join(c.work, "truncated")
    for run in range(runs):
        kind = KINDS[run % len(KINDS)]
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(c.repo, scratch)
        top = os.path.join(scratch, kind)
        files = [top] if os.path.isfile(top) else sorted(
            os.path.join(d, n) for d, _, ns in os.walk(top) for n in ns)
        if not files:
            raise SystemExit(f"bad_inputs: the repository has no {kind} file")
        victim = c.rng.choice(files)
        size = os.path.getsize(victim)
        cut = c.rng.choice([0, 1, size // 2, max(size - 1, 0), c.rng.randrange(size + 1)])
        os.truncate(victim, cut)
        what = f"{os.path.relpath(victim, scratch)} cut to {cut} of {size} bytes"
        env = {"TIDEMARK_REPOSITORY": scratch}
        for argv in (["check", "--read-data"], ["snapshots"], ["ledger", "verify"],
                     ["restore", "crm@latest", "--to", f"sqlite:{c.work}/t{run}.db"],
                     ["hold", "list"], ["prune", "--dry-run"], ["cat", "config"]):
            c.case("truncated", what, *argv, env=env)


def main():
    binary, runs, seed, summary = common.args("bad_inputs.py")
    c = BadInputs("bad_inputs", binary, seed)
    setup(c)
    flags(c, runs)
    configs(c)
    exports(c, runs)
    schemas(c)
    truncations(c, runs)
    cases = sum(v for k, v in c.counts.items() if k.endswith(" cases"))
    print(f"bad_inputs: slowest case {c.slowest[0]}s: {c.slowest[1]}")
    return c.summary(summary, runs=cases, slowest=c.slowest)


if __name__ == "__main__":
    sys.exit(main())
