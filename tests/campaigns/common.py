# Shared by the fault campaigns (tests/campaigns/README.md): a scratch
# repository beside a sample CRM, running tidemark with a bound on time, the
# state of a SQLite file as text, and the summary each campaign writes.
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = float(os.environ.get("TIDEMARK_CAMPAIGN_TIMEOUT", "120"))
HINT = "Run with --help for more information."  # CLI11's second line after a flag error
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


class Campaign:
    """One campaign's scratch folder, its repository, and its pass/fail tally."""

    def __init__(self, name, binary, seed):
        self.name, self.binary, self.seed = name, os.path.realpath(binary), seed
        self.rng = random.Random(f"{name}:{seed}")
        self.work = tempfile.mkdtemp(prefix=f"tm-{name}-")
        self.repo = os.path.join(self.work, "repo")
        self.env = dict(os.environ)
        self.env.update(TIDEMARK_REPOSITORY=self.repo, TIDEMARK_PASSWORD="pw",
                        TIDEMARK_CACHE_DIR=os.path.join(self.work, "cache"))
        for k in ("TIDEMARK_PASSWORD_FILE", "TIDEMARK_PASSWORD_COMMAND", "TIDEMARK_CRASH_AT",
                  "TIDEMARK_CONFIG"):
            self.env.pop(k, None)
        self.failures = []
        self.counts = {}
        print(f"{name}: seed {seed} (replay: tests/campaigns/{name}.py BINARY RUNS {seed})",
              flush=True)

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    def fail(self, run, what, detail=""):
        line = f"FAIL {self.name} seed {self.seed} run {run}: {what}"
        if detail:
            line += ": " + detail.strip().replace("\n", " | ")[:600]
        print(line, flush=True)
        self.failures.append(line)

    def tm(self, *args, env=None, timeout=None, cwd=None):
        """Runs tidemark; returns (exit code, stdout, stderr). A timeout is exit -1."""
        e = dict(self.env)
        e.update(env or {})
        try:
            p = subprocess.run([self.binary, *args], env=e, cwd=cwd or self.work,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout or TIMEOUT)
            err = p.stderr.decode(errors="replace")
            self.sanitized(args, err)
            return p.returncode, p.stdout.decode(errors="replace"), err
        except subprocess.TimeoutExpired as t:
            return -1, (t.stdout or b"").decode(errors="replace"), "timeout"

    def must(self, run, what, *args, env=None):
        code, out, err = self.tm(*args, env=env)
        if code != 0:
            self.fail(run, f"{what}: exit {code}", err)
        return code, out

    def sanitized(self, args, err):
        """Any sanitizer report on stderr is a failure, in every campaign."""
        if any(s in err for s in SANITIZER):
            self.count("sanitizer reports")
            self.fail("-", f"sanitizer report from tidemark {' '.join(args)[:200]}", err[-600:])

    def kill_after(self, delay, *args, env=None):
        """Starts tidemark, kills it with SIGKILL after `delay` seconds unless it
        ended first. Returns (killed, exit code, stdout)."""
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.Popen([self.binary, *args], env=e, cwd=self.work,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            p.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            killed = True
        out, err = p.communicate(timeout=TIMEOUT)
        self.sanitized(args, err.decode(errors="replace"))
        return killed, p.returncode, out.decode(errors="replace")

    def timed(self, *args):
        start = time.monotonic()
        code, out, err = self.tm(*args)
        if code != 0:
            raise SystemExit(f"{self.name}: calibration `{' '.join(args)}` exit {code}: {err}")
        return time.monotonic() - start, out

    def check(self, run, read_data=False):
        """`check` must exit 0; warnings and notes (stale locks, leftovers) are fine."""
        args = ["check", "--read-data"] if read_data else ["check"]
        code, out, err = self.tm(*args)
        self.count("check --read-data" if read_data else "check")
        if code != 0:
            self.fail(run, f"{' '.join(args)} exit {code}", out[-400:] + " " + err)
            self.count("check failed")
        return code == 0

    def snapshots(self, run):
        code, out, err = self.tm("--json", "snapshots")
        if code != 0:
            self.fail(run, f"snapshots exit {code}", err)
            return []
        return json.loads(out)

    def restore_dump(self, run, snap):
        """Restores a snapshot into a new file and returns its sqlite3 .dump (None on error)."""
        path = os.path.join(self.work, "restored.db")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        code, out, err = self.tm("restore", snap, "--to", "sqlite:" + path)
        self.count("restores")
        if code != 0:
            self.fail(run, f"restore {snap[:12]} exit {code}", err)
            return None
        return dump(path)

    def summary(self, path, **fields):
        fields.update(campaign=self.name, seed=self.seed, failures=len(self.failures),
                      failure_lines=self.failures[:20], counts=self.counts)
        if path:
            with open(path, "w") as f:
                json.dump(fields, f)
        shutil.rmtree(self.work, ignore_errors=True)
        print(f"{self.name}: {json.dumps(fields['counts'])}; {len(self.failures)} failures",
              flush=True)
        return 1 if self.failures else 0


def dump(path):
    """The database's content and schema as text (sqlite3 .dump)."""
    p = subprocess.run(["sqlite3", path, ".dump"], capture_output=True, timeout=TIMEOUT)
    if p.returncode != 0:
        raise RuntimeError(f"sqlite3 .dump {path}: {p.stderr.decode()}")
    return p.stdout.decode(errors="replace")


def sql(path, text):
    subprocess.run(["sqlite3", path], input=text.encode(), check=True, capture_output=True,
                   timeout=TIMEOUT)


def sample_crm(path, customers):
    subprocess.run([os.path.join(ROOT, "scripts", "sample-crm"), path, str(customers)],
                   check=True, capture_output=True, timeout=TIMEOUT)


def mutate(path, rng):
    """A random but seed-determined change of the CRM: edits, inserts, deletes."""
    k = rng.randint(2, 9)
    n = rng.randint(0, 1 << 30)
    sql(path, f"""PRAGMA foreign_keys=ON;
UPDATE orders SET total = total + {rng.randint(1, 99)} WHERE id % {k} = {n % k};
UPDATE customers SET status = 'c{n}' WHERE id % {k + 3} = 1;
INSERT INTO customers(name, email, status, created_at)
  SELECT 'New ' || id || ' {n}', 'n{n}_' || id || '@x', 'active', '2026-12-01'
  FROM customers WHERE id % 97 = {n % 97};
DELETE FROM customers WHERE id % {k * 50 + 1} = {n % (k * 50 + 1)};""")


def args(usage):
    """BINARY RUNS SEED [SUMMARY.json]"""
    if len(sys.argv) < 4:
        raise SystemExit(f"usage: {usage} BINARY RUNS SEED [SUMMARY.json]")
    out = sys.argv[4] if len(sys.argv) > 4 else None
    return sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), out
