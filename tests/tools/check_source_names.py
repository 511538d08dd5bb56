#!/usr/bin/env python3
"""No production code outside src/sources/ names a source's own things.

ops/, cli/, config/, snapshot/, records/ ... talk to sources through the
connector interfaces (src/sources/connector.h); SQLite lives in
src/sources/sqlite/. This check strips comments and looks, ignoring case, for
SQLite's API and types (sqlite3, Sqlite*), its objects and words (rowid,
WITHOUT ROWID, shadow tables, sqlite_sequence / sqlite_schema, PRAGMA) and the
sqlite: scheme, and for PostgreSQL its client library and words (libpq, PGconn,
PGresult, SQLSTATE, pg_catalog, pg_dump, postgres/postgresql and the postgres:
scheme), in code and string literals of every production file (*.cc, *.h; not
*_test.cc / *_testlib.*) outside src/sources/.

MODEL lists the spots where the source-neutral model keeps a word for
compatibility, with the reason. Prints one line per finding; exits 1 when there
is any. See docs/architecture.md ("Connectors").
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

PATTERN = re.compile(
    r"sqlite|rowid|shadow|(?<!#)\bpragma\b"
    r"|libpq|\bpg(conn|result)\b|sqlstate|pg_catalog|pg_dump|postgres", re.I)

# file -> words it may use, and why.
MODEL = {
    # The model's names, kept from records format v1 so that `ls`, diff and
    # key names print as they always did: the implicit row id is called
    # "rowid" (aliases _rowid_, oid), an internal table's kind "shadow".
    "src/records/schema.cc": {"rowid", "shadow"},
    # The version 2 kinds take PostgreSQL as their model (records.md §1.2):
    # a numeric's text is PostgreSQL's output form, and its errors say so.
    "src/records/numeric.cc": {"postgres"},
    # User documentation: examples in --help and the man pages show a real
    # source URI and what it is.
    "src/cli/command_docs.cc": {"sqlite", "postgres"},
    "src/cli/man_page.cc": {"sqlite", "postgres"},
}

COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def strip_comments(text):
    """The text with comments blanked (line numbers kept); strings stay."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def findings(root):
    """{file: [(line, word)]} for production files outside src/sources/."""
    found = {}
    src = os.path.join(root, "src")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == "src/sources" or rel_dir.startswith("src/sources/"):
            continue
        for f in sorted(filenames):
            if not f.endswith((".cc", ".h")) or re.search(r"_(test|testlib)\.(cc|h)$", f):
                continue
            rel = f"{rel_dir}/{f}"
            with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                code = strip_comments(fh.read())
            allowed = MODEL.get(rel, set())
            for n, line in enumerate(code.split("\n"), 1):
                for m in PATTERN.finditer(line):
                    if m.group(0).lower() not in allowed:
                        found.setdefault(rel, []).append((n, line.strip()))
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else ROOT
    found = findings(root)
    problems = []
    for rel, hits in sorted(found.items()):
        for n, line in hits:
            problems.append(f"{rel}:{n}: names a source outside src/sources/: {line}")
    for p in problems:
        print(p)
    print(f"source names: {0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
