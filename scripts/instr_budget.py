#!/usr/bin/env python3
"""Instruction budget of one operation, by source function, from a callgrind dump.

The executor's hot path is inlined into the scenario, so callgrind_annotate 3.19 attributes all
of it to one caller; the dump still records, per instruction, the source file and line it came
from (fi=/fe= for inlined code). This script sums those per enclosing function of the source and
divides by the operations of the timed region. Standard library only.

  valgrind --tool=callgrind --collect-atstart=no --dump-instr=yes \\
      --callgrind-out-file=/tmp/cg.out build/allocbench-worker-bounded run \\
      --scenarios spawn_churn --mode quick --seed 1 --threads 1 --param frame=64 --cache-sim \\
      >/dev/null
  python3 scripts/instr_budget.py /tmp/cg.out.1 --ops 10000 [--lines]

The worker's --cache-sim mode runs 10,000 operations in the collected region (the dump ending
in .1 is that region; the one without a suffix is the rest of the process).
"""
import argparse
import collections
import os
import re
import sys

_SPEC = re.compile(r"^(fl|fi|fe|fn|ob|cfn|cfl|cfi|cob|calls)=(.*)$")
_FUNC = re.compile(
    r"^\s*(?:template\s*<[^>]*>\s*)?(?:inline |static |constexpr |explicit )*"
    r"[\w:<>,\s\*&~]+?\b([\w:~]+)\s*\([^;]*$")


def parse(path):
    """Returns {(source file, line): instructions}, self cost only (calls' inclusive cost is
    skipped: the callee's own lines are counted where they are)."""
    names, cost = {}, collections.Counter()
    fl = fi = None
    addr = line = 0
    after_calls = False

    def position(tok, cur):
        if tok == "*":
            return cur
        return cur + int(tok, 0) if tok[0] in "+-" else int(tok, 0)

    with open(path) as f:
        for raw in f:
            s = raw.rstrip("\n")
            m = _SPEC.match(s)
            if m:
                kind, value = m.groups()
                ref = re.match(r"\((\d+)\)\s*(.*)", value)
                if ref and kind in ("fl", "fi", "fe", "cfl", "cfi"):
                    idx, name = ref.groups()
                    if name:
                        names[idx] = name
                    if kind == "fl":
                        fl = fi = names.get(idx)
                    elif kind in ("fi", "fe"):
                        fi = names.get(idx)
                elif kind == "fn":
                    fi = fl
                elif kind == "calls":
                    after_calls = True
                continue
            if not s or not (s[0].isdigit() or s[0] in "+-*"):
                continue
            parts = s.split()
            addr, line = position(parts[0], addr), position(parts[1], line)
            if after_calls:
                after_calls = False
                continue
            if len(parts) > 2:
                cost[(fi, line)] += int(parts[2])
    return cost


def enclosing_function(path, line, cache={}):
    if path not in cache:
        try:
            with open(path) as f:
                cache[path] = f.read().split("\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    for i in range(min(line, len(lines)) - 1, -1, -1):
        text = lines[i].strip()
        if text.startswith(("if", "for", "while", "return", "switch", "//", "}")):
            continue
        m = _FUNC.match(lines[i])
        if m:
            return m.group(1)
    return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dump", help="callgrind dump of the timed region (cg.out.<pid>.1)")
    ap.add_argument("--ops", type=int, default=10000, help="operations in the region")
    ap.add_argument("--lines", action="store_true", help="also list source lines")
    ap.add_argument("--root", default=os.getcwd(), help="shown paths are relative to this")
    a = ap.parse_args()
    try:
        cost = parse(a.dump)
    except OSError as e:
        print(f"instr_budget: {e}", file=sys.stderr)
        return 2
    if not cost:
        print(f"instr_budget: {a.dump} has no per-line costs (use --dump-instr=yes)",
              file=sys.stderr)
        return 2
    root = os.path.abspath(a.root) + "/"
    pieces = collections.Counter()
    for (path, line), c in cost.items():
        if path is None:
            continue
        short = path.replace(root, "")
        if short.startswith("/"):
            key = "std/system: " + os.path.basename(short)
        elif short.startswith("scenarios/"):
            key = short + " (compiler-generated coroutine code and the loop)"
        else:
            key = f"{short}: {enclosing_function(path, line)}"
        pieces[key] += c
    total = sum(cost.values())
    print(f"{total / a.ops:7.1f}  instructions per operation (total)")
    for key, c in pieces.most_common():
        if c / a.ops >= 0.5:
            print(f"{c / a.ops:7.1f}  {key}")
    if a.lines:
        print()
        for (path, line), c in sorted(cost.items(), key=lambda kv: -kv[1]):
            if path and c / a.ops >= 0.5:
                print(f"{c / a.ops:7.1f}  {path.replace(root, '')}:{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
