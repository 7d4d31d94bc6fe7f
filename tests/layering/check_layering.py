#!/usr/bin/env python3
"""Dependencies point one way: each source folder may include only the folders listed for it.

    driver -> report -> probes              (the driver talks to workers through the protocol)
    worker -> scenarios -> runtime -> allocators, with probes below scenarios
    worker -> report (to_json of the probes' typed results lives there only)
    micro  -> runtime, probes
    harness/*.hpp (params, run limits): vocabulary every harness layer may use; includes no layer

Usage: check_layering.py SOURCE_ROOT
"""
import os
import re
import sys

VOCAB = "harness"  # the headers directly in harness/
ALLOWED = {
    "allocators": {"allocators"},
    "runtime": {"runtime", "allocators"},
    "harness/probes": {"harness/probes", VOCAB},
    "scenarios": {"scenarios", "runtime", "allocators", "harness/probes", VOCAB},
    "harness/worker": {"harness/worker", "scenarios", "runtime", "allocators", "harness/probes",
                       "harness/report", VOCAB},
    "harness/micro": {"harness/micro", "runtime", "allocators", "harness/probes", VOCAB},
    "harness/report": {"harness/report", "harness/probes", VOCAB},
    "harness/driver": {"harness/driver", "harness/report", VOCAB},
    VOCAB: {VOCAB},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    root = sys.argv[1]
    bad = []
    for folder, allowed in ALLOWED.items():
        path = os.path.join(root, folder)
        for name in sorted(os.listdir(path)):
            if not name.endswith((".cpp", ".hpp")):
                continue
            with open(os.path.join(path, name)) as f:
                for inc in INCLUDE.findall(f.read()):
                    target = os.path.dirname(inc)
                    if target not in allowed:
                        bad.append(f"{folder}/{name} includes {inc} ({folder} may include: "
                                   f"{', '.join(sorted(allowed))})")
    for b in bad:
        print(b)
    print(f"{len(bad)} include(s) against the layering")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
