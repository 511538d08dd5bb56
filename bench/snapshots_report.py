#!/usr/bin/env python3
"""Renders bench/snapshots' measurements as Markdown (bench/snapshots-results.md).

Usage: snapshots_report.py MACHINE.tsv SCALE.tsv...
Each file holds KEY<TAB>VALUE lines written by bench/snapshots. One table per
scale, with ratios, issue 16's targets and whether each is met; with several
scales, the peak RSS of every step side by side.
"""
import os
import statistics
import sys

MIB = 1 << 20


def load(path):
    d = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            d[key] = value
    return d


def num(d, key):
    return float(d[key]) if key in d else None


def secs(v):
    if v is None:
        return "–"
    return f"{v:.3f} s" if v < 1 else f"{v:.2f} s" if v < 10 else f"{v:.1f} s"


def mib(v):
    if v is None:
        return "–"
    return f"{v / MIB:.2f} MiB" if v < 10 * MIB else f"{v / MIB:.1f} MiB" if v < 100 * MIB else f"{v / MIB:.0f} MiB"


def rss(d, name):
    v = num(d, name + ".rss")
    return None if v is None else v * 1024


def ratio_text(r, note=""):
    if r is None:
        return ""
    if note.startswith("of "):
        return f"{r * 100:.1f} %"
    return f"{r:.3f}" if r < 0.1 else f"{r:.2f}"


def met(ok):
    return "–" if ok is None else "yes" if ok else "**no**"


def history_s(d):
    runs = [num(d, f"tm_history{i}.wall") for i in range(1, 6)]
    return statistics.median([r for r in runs if r is not None])


class Table:
    def __init__(self, d):
        self.d = d
        self.rows = []

    def cpu(self, name):
        v = num(self.d, name + ".cpu")
        return "" if v is None else f"{v:.2f}"

    def row(self, step, tm, cpu="", restic="–", borg="–", ratio=None, ratio_note="", target="", ok=None, cpu_ratio=None):
        r = ratio_text(ratio, ratio_note) + (f" {ratio_note}" if ratio is not None and ratio_note else "")
        c = ratio_text(cpu_ratio)
        self.rows.append(f"| {step} | {tm} | {cpu} | {restic} | {borg} | {r} | {c} | {target} | {met(ok)} |")

    def cpu_ratio(self, name, peer):
        a, b = num(self.d, name + ".cpu"), num(self.d, peer + ".cpu")
        return a / b if a is not None and b else None

    def peer(self, name, key, fmt):
        """A peer's cell: the value, and for times its CPU seconds."""
        v = num(self.d, f"{name}.{key}")
        c = num(self.d, f"{name}.cpu")
        return fmt(v) + (f" ({c:.1f} CPU)" if key == "wall" and v is not None and c is not None else "")

    def vs(self, step, name, key, fmt, limit, target, peer="restic", peer_key=None):
        """A step measured by all three tools, compared with restic."""
        d = self.d
        tm, rs = num(d, f"tm_{name}.{key}"), num(d, f"restic_{peer_key or name}.{key}")
        r = tm / rs if tm is not None and rs else None
        wall = key == "wall"
        cpu = self.cpu(f"tm_{name}") if wall else ""
        ok = None if limit is None or r is None else r <= limit
        self.row(step, fmt(tm), cpu, self.peer(f"restic_{name}", key, fmt), self.peer(f"borg_{name}", key, fmt), r, "",
                 target, ok, self.cpu_ratio(f"tm_{name}", f"restic_{name}") if wall else None)


def scale_table(d, small, large):
    t = Table(d)
    t.vs("full backup, wall", "full", "wall", secs, 0.5, "≤ 0.5x restic")
    t.vs("full backup, stored", "full", "stored", mib, 0.7, "≤ 0.7x restic")
    t.vs(f"incremental after {small} % scattered change, wall", "small", "wall", secs, 0.5, "≤ 0.5x restic")
    t.vs(f"incremental {small} %, stored", "small", "stored", mib, 1 / 40, "≤ 1/40 of restic")
    t.vs(f"incremental after {large} %, wall", "large", "wall", secs, None, "")
    t.vs(f"incremental {large} %, stored", "large", "stored", mib, 1 / 8, "≤ 1/8 of restic")
    t.vs("full restore to a working database", "restore", "wall", secs, 2, "≤ 2x restic")
    restic_restore = num(d, "restic_restore.wall")
    if "sqlite_floor.wall" in d:
        fl = num(d, "sqlite_floor.wall")
        t.row("floor: sqlite3 copies the rows and builds the indexes (INSERT … SELECT)", secs(fl),
              t.cpu("sqlite_floor"), "", "", fl / restic_restore, "x restic's restore", "", None)
        tm = num(d, "tm_restore.wall")
        t.row("full restore against the floor", secs(tm), "", "", "", tm / fl, "x the sqlite3 floor", "", None)
    tm = num(d, "tm_table.wall")
    r = tm / restic_restore
    t.row(f"restore of one table (customers, {int(num(d, 'rows.customers')):,} rows)", secs(tm), t.cpu("tm_table"),
          "–", "–", r, "x restic's full restore", "≤ 0.3x restic's full restore", r <= 0.3,
          t.cpu_ratio("tm_table", "restic_restore"))
    t.vs("check --read-data (borg: check --verify-data)", "check", "wall", secs, 1, "≤ 1x restic")
    for name, pct, extra in (("small", small, ""), ("large", large, ", --json")):
        tm, sq = num(d, f"tm_diff_{name}.wall"), num(d, f"sqldiff_{name}.wall")
        t.row(f"diff of the two snapshots ({pct} %){extra}", secs(tm), t.cpu(f"tm_diff_{name}"),
              "sqldiff " + t.peer(f"sqldiff_{name}", "wall", secs), "", tm / sq, "x sqldiff", "≤ 1/50 of sqldiff",
              tm / sq <= 1 / 50, t.cpu_ratio(f"tm_diff_{name}", f"sqldiff_{name}"))
    tm, ri = num(d, "tm_live.wall"), num(d, "restic_small.wall")
    t.row("diff against live, nothing changed", secs(tm), t.cpu("tm_live"), "", "", tm / ri,
          f"x restic's incremental ({small} %)", "≤ 0.5x restic's incremental", tm / ri <= 0.5,
          t.cpu_ratio("tm_live", "restic_small"))
    h = history_s(d)
    cpu = statistics.median(num(d, f"tm_history{i}.cpu") for i in range(1, 6))
    t.row(f"history of one record over {d['history']} snapshots (median of 5)", secs(h), f"{cpu:.2f}", "", "",
          None, "", "≤ 50 ms", h <= 0.05)
    for name, pct in (("small", small), ("large", large)):
        a, wall = num(d, f"tm_{name}.anomaly_s"), num(d, f"tm_{name}.wall")
        t.row(f"anomaly detection in the incremental after {pct} % (--json)", secs(a), "", "", "", a / wall,
              "of the backup's wall", "≤ 5 % of the backup's wall" if name == "small" else "", a / wall <= 0.05 if name == "small" else None)
    rr, dr = num(d, "restic_restore.wall"), num(d, "tm_drill.restore_s")
    t.row("drill: its restore (from the report)", secs(dr), "", "", "", dr / rr, "x restic's restore",
          "≤ 2x restic's restore (inherits the restore speed)", dr / rr <= 2)
    t.row("drill: restore + checks, whole command wall", secs(num(d, "tm_drill.wall")), t.cpu("tm_drill"), "", "", None)
    t.row(f"rollback of {int(num(d, 'rollback_records')):,} orders (the {small} % change), whole command wall",
          secs(num(d, "tm_rollback.wall")), t.cpu("tm_rollback"), "", "", None)
    for step, name, peers in RSS_STEPS:
        v = rss(d, f"tm_{name}")
        rs = mib(rss(d, f"restic_{peers}")) if peers else "–"
        bg = mib(rss(d, f"borg_{peers}")) if peers else "–"
        t.row(f"peak RSS: {step}", mib(v), "", rs, bg, None, "", "≤ 128 MiB", v <= 128 * MIB)
    return t.rows


# (step, tidemark measurement, restic/borg measurement or None)
RSS_STEPS = [
    ("full backup", "full", "full"),
    ("incremental backup (0.1 %)", "small", "small"),
    ("incremental backup (1 %)", "large", "large"),
    ("restore", "restore", "restore"),
    ("restore of one table", "table", None),
    ("diff (1 %, --json)", "diff_large", None),
    ("diff against live", "live", None),
    ("rollback", "rollback", None),
    ("drill", "drill", None),
    ("check --read-data", "check", "check"),
]

CPU_STEPS = [
    ("full backup", "full"), ("incremental backup (0.1 %)", "small"), ("incremental backup (1 %)", "large"),
    ("restore", "restore"), ("restore of one table", "table"), ("check --read-data", "check"),
    ("diff (0.1 %)", "diff_small"), ("diff (1 %, --json)", "diff_large"), ("diff against live", "live"),
    ("rollback", "rollback"), ("drill", "drill"), ("history (run 3 of 5)", "history3"),
]


def details(d):
    rows = int(num(d, "rows"))
    out = [
        f"SCALE={d['scale']}: database {num(d, 'db_bytes') / MIB:.1f} MiB ({num(d, 'db_bytes') / 1e9:.2f} GB), "
        f"{rows:,} records: {int(num(d, 'rows.customers')):,} customers, {int(num(d, 'rows.orders')):,} orders, "
        f"{int(num(d, 'rows.items')):,} order items; secondary indexes {d['indexes']}. "
        f"The {d['small']} % change touched {int(num(d, 'changed_small')):,} records, the {d['large']} % change "
        f"{int(num(d, 'changed_large')):,}. Generating the database took {d['gen.wall']} s, the whole scale "
        f"{d['run.wall']} s (history's {d['history']} snapshots {d['history_setup.wall']} s of it).",
    ]
    if "started" in d:
        out[0] += f" Started {d['started']}; load average {d['load_before']} before, {d['load_after']} after."
    out.append("")
    for name, what in (("small", f"{d['small']} %"), ("large", f"{d['large']} %")):
        out.append(
            f"- incremental after {what}: backup --json says duration_s {float(d[f'tm_{name}.duration_s']):.2f}, "
            f"anomaly_detection_s {float(d[f'tm_{name}.anomaly_s']):.2f}, {int(num(d, f'tm_{name}.nodes_loaded')):,} "
            f"nodes loaded for {int(num(d, f'tm_{name}.records_decoded')):,} records decoded "
            f"(wall {float(d[f'tm_{name}.wall']):.2f} s).")
    out.append(
        f"- history: 5 runs {', '.join(secs(num(d, f'tm_history{i}.wall')) for i in range(1, 6))}; `snapshots` "
        f"(open the repository, its index and manifests, no tree walk) took {secs(num(d, 'tm_open.wall'))}.")
    if "tm_restore.load_s" in d:
        out.append(
            f"- full restore, by phase (restore --json): rows loaded {float(d['tm_restore.load_s']):.2f} s, "
            f"indexes, views and the sync {float(d['tm_restore.finish_s']):.2f} s, "
            f"read back and verified {float(d['tm_restore.verify_s']):.2f} s.")
    out.append(
        f"- drill: restore {float(d['tm_drill.restore_s']):.2f} s and checks {float(d['tm_drill.checks_s']):.2f} s "
        f"(integrity_check, foreign_key_check, counts, digests); `restore` alone {float(d['tm_restore.wall']):.2f} s.")
    return out


def main():
    m = load(sys.argv[1])
    scales = [load(p) for p in sys.argv[2:]]
    for d in scales:
        for k in ("small", "large", "history"):
            d.setdefault(k, m[k])
    scales.sort(key=lambda d: float(d["scale"]))
    print("# Record snapshots beside restic and borg (issue 16)")
    print()
    print(f"`bench/snapshots` with SCALES=\"{m['scales']}\", started {m['date']}, commit {m['commit']}.")
    print(f"Machine: {m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
          f"file system {m['fs']}; load average {m['load_before']} before, {m['load_after']} after.")
    print(f"Tools: {m['tidemark']}, {m['restic']}, {m['borg']}, sqlite3/sqldiff {m['sqlite']}.")
    if m.get("note"):
        print(f"Note: {m['note']}")
    if os.environ.get("PENDING"):
        print(f"**Partial:** SCALE={os.environ['PENDING']} had not run when this was written.")
    print()
    print("Fresh repositories per scale: tidemark (Argon2id turned down, it is not what is measured),")
    print("restic (repository v2, `--compression auto`, the default), borg (`repokey-blake2`,")
    print("`create --compression zstd,3`), on the same generated file. Wall seconds are one run")
    print("each; \"CPU s\" is tidemark's user+sys, \"(… CPU)\" a peer's (less noisy on a shared")
    print("machine). \"ratio\" is wall time (or bytes, or RSS) of tidemark / restic unless the cell says")
    print("otherwise, and is what \"met\" judges; \"CPU ratio\" is the same quotient of user+sys seconds.")
    print("Targets are issue 16's, meant at SCALE=1.")
    for d in scales:
        print()
        print(f"## SCALE={d['scale']}")
        print()
        print("\n".join(details(d)))
        print()
        print("| step | tidemark | CPU s | restic | borg | ratio | CPU ratio | target | met |")
        print("|---|---:|---:|---:|---:|---:|---:|---|---|")
        print("\n".join(scale_table(d, d["small"], d["large"])))
    if len(scales) > 1:
        print()
        print("## Peak RSS at each scale (flat memory)")
        print()
        print("| step | " + " | ".join(f"SCALE={d['scale']}" for d in scales) + " | last / first |")
        print("|---|" + "---:|" * (len(scales) + 1))
        for step, name, peers in RSS_STEPS:
            for tool, key in (("tidemark", f"tm_{name}"), ("restic", f"restic_{peers}"), ("borg", f"borg_{peers}")):
                if tool != "tidemark" and (not peers or step.startswith("incremental backup (1")):
                    continue
                vals = [rss(d, key) for d in scales]
                print(f"| {tool} {step} | " + " | ".join(mib(v) for v in vals) + f" | {vals[-1] / vals[0]:.2f} |")
        print()
        print("tidemark's CPU seconds (user+sys) at each scale, for how each step grows with the data:")
        print()
        print("| step | " + " | ".join(f"SCALE={d['scale']}" for d in scales) + " | last / first |")
        print("|---|" + "---:|" * (len(scales) + 1))
        for step, name in CPU_STEPS:
            vals = [num(d, f"tm_{name}.cpu") for d in scales]
            if all(vals):
                print(f"| {step} | " + " | ".join(f"{v:.2f}" for v in vals) + f" | {vals[-1] / vals[0]:.2f} |")
    print()
    print("Checked, untimed, after each step (a failure stops the run): every backup's record count,")
    print("each incremental's changed count against the rows the script changed; the full restore's")
    print("own verification, row counts, indexes" + (" and its `sqlite3 .dump` digest against the live file"
                                                      if m["verify"] == "dump" else "") + ";")
    print("restic's and borg's restored file byte for byte (cmp); the one-table restore's row count;")
    print("check's `ok`; the diff totals and sqldiff's UPDATE count against the rows changed; diff")
    print("against live finds nothing; the rollback's applied count and the orders it put back; the")
    print("drill passed; history found one version per snapshot.")


if __name__ == "__main__":
    main()
