#!/usr/bin/env python3
"""Checks the layering of src/ against the one place that declares it.

The layer order is read from CMakeLists.txt: each `tidemark_layer(NAME DEPS ...
[TEST_DEPS ...])` names the layers (tm_X) and third-party targets a layer may use.
A file in src/NAME/ may include:
  - its own layer's headers;
  - the headers of any layer reachable through DEPS (the transitive closure);
  - in *_test.cc and *_testlib.{cc,h} files (test code only), also what
    TEST_DEPS reach.
Third-party headers are tied to the CMake target that provides them: a layer
may include one only when that target is among its own DEPS (not inherited), so
that a library in use is always declared where it is used.
Each direct tm_ dependency must be used by at least one file of the layer
(targets link only what they use).

Prints one line per violation; exits 1 when there is any. See
docs/architecture.md ("Layers").
"""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Third-party headers and the CMake target that provides each.
THIRD_PARTY = [
    (re.compile(r"^sqlite3\.h$"), "SQLite::SQLite3"),
    (re.compile(r"^toml\+\+/"), "PkgConfig::TOMLPP"),
    (re.compile(r"^httplib\.h$"), "PkgConfig::HTTPLIB"),
    (re.compile(r"^CLI/"), "CLI11::CLI11"),
    (re.compile(r"^sodium(\.h|/)"), "PkgConfig::SODIUM"),
    (re.compile(r"^openssl/"), "OpenSSL::Crypto"),
    (re.compile(r"^zstd\.h$"), "PkgConfig::ZSTD"),
    (re.compile(r"^(libpq-fe\.h|postgres_ext\.h|pg_config\.h)$"), "PkgConfig::PQ"),
]


def read_layers(cmake_text):
    """{layer: (deps, test_deps)} from the tidemark_layer(...) calls, in order."""
    layers = {}
    for m in re.finditer(r"^tidemark_layer\(([^)]*)\)", cmake_text, re.M):
        words = m.group(1).split()
        name, deps, test_deps, cur = words[0], [], [], None
        for w in words[1:]:
            if w in ("DEPS", "TEST_DEPS"):
                cur = deps if w == "DEPS" else test_deps
            elif cur is not None:
                cur.append(w)
        layers[name] = (deps, test_deps)
        TARGETS[name.replace("/", "_")] = name
    return layers


TARGETS = {}  # CMake target id -> layer name: "ops_backup" -> "ops/backup"


def layer_of(target):
    """'tm_repo' -> 'repo', 'tm_ops_backup_testlib' -> 'ops/backup'; None for others."""
    if not target.startswith("tm_"):
        return None
    name = target[3:]
    name = name[: -len("_testlib")] if name.endswith("_testlib") else name
    return TARGETS.get(name, name)


def layer_of_include(inc, layers):
    """The layer whose folder holds header `inc` (the longest matching one)."""
    folder = os.path.dirname(inc)
    while folder:
        if folder in layers:
            return folder
        folder = os.path.dirname(folder)
    return None


def closure(layers, start_deps):
    seen, todo = set(), [layer_of(d) for d in start_deps if layer_of(d)]
    while todo:
        x = todo.pop()
        if x in seen or x not in layers:
            continue
        seen.add(x)
        todo.extend(layer_of(d) for d in layers[x][0] if layer_of(d))
    return seen


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
            if m:
                yield n, m.group(1), m.group(2)


def check_layer(layers, name, folder, code):
    """The violations of one layer's files."""
    problems = []
    deps, test_deps = layers[name]
    allowed = closure(layers, deps) | {name}
    allowed_test = allowed | closure(layers, test_deps)
    used = set()
    for fname in code:
        is_test = re.search(r"_(test\.cc|testlib\.(cc|h))$", fname) is not None
        rel = f"src/{name}/{fname}"
        for n, kind, inc in includes(os.path.join(folder, fname)):
            top = layer_of_include(inc, layers) if kind == '"' else None
            if top is not None:
                used.add(top)
                if top not in (allowed_test if is_test else allowed):
                    problems.append(f"{rel}:{n}: includes {inc}, but layer {name} "
                                    f"may not use {top} (CMakeLists.txt DEPS of {name})")
                continue
            for pattern, target in THIRD_PARTY:
                if pattern.search(inc) and target not in deps and target not in test_deps:
                    problems.append(f"{rel}:{n}: includes <{inc}>, but {target} is not "
                                    f"among the DEPS of {name}")
    for d in deps:
        x = layer_of(d)
        if x and x not in used:
            problems.append(f"src/{name}/: links {d} but no file of it includes {x}/")
    return problems


def check(root):
    with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
        layers = read_layers(f.read())
    problems = []
    src = os.path.join(root, "src")
    for dirpath, dirnames, filenames in sorted(os.walk(src)):
        dirnames.sort()
        name = os.path.relpath(dirpath, src)
        code = sorted(f for f in filenames if f.endswith((".cc", ".h")))
        if name == "." or (not code and name not in layers):
            continue  # src/ itself, or a folder of layers (src/ops/)
        if name not in layers:
            problems.append(f"src/{name}/: not declared by tidemark_layer() in CMakeLists.txt")
            continue
        problems.extend(check_layer(layers, name, dirpath, code))
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else ROOT
    problems = check(root)
    for p in problems:
        print(p)
    print(f"layers: {0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
