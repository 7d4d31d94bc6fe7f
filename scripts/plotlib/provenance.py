"""What differs between two reports besides their results: build, machine, kernel, timer, each
backend's version / malloc provider / tuning, and the mode. The same list as
harness/report/report_diff.cpp; a field a report does not record reads "not recorded"."""

import json

NOT_RECORDED = "not recorded"


def _at(data, *path):
    cur = data
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
    return cur


def _text(value):
    if value is None:
        return NOT_RECORDED
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.3g}"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _ns(value):
    return f"{value:.1f} ns" if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else NOT_RECORDED


def _commit(data):
    commit = _at(data, "provenance", "commit")
    if not isinstance(commit, str):
        return NOT_RECORDED
    dirty = _at(data, "provenance", "dirty")
    suffix = {True: " (dirty)", False: " (clean)"}.get(dirty, "") if isinstance(dirty, bool) \
        else (f" (dirty: {dirty})" if isinstance(dirty, str) else "")
    return commit[:12] + suffix


def _mode(data):
    mode = _at(data, "config", "mode")
    if mode is None:
        return NOT_RECORDED
    text = f"{mode}, {_text(_at(data, 'config', 'repetitions'))} repetitions"
    return text + (", cache simulation" if _at(data, "config", "cache_sim") is True else "")


FIELDS = [
    ("allocbench version", lambda d: _text(_at(d, "provenance", "version"))),
    ("commit", _commit),
    ("build type", lambda d: _text(_at(d, "provenance", "build_type"))),
    ("compiler", lambda d: _text(_at(d, "machine", "compiler"))),
    ("compiler flags", lambda d: _text(_at(d, "provenance", "compiler_flags") or
                                       _at(d, "machine", "flags"))),
    ("CPU", lambda d: _text(_at(d, "machine", "cpu_model"))),
    ("cores", lambda d: _text(_at(d, "machine", "cores"))),
    ("kernel", lambda d: _text(_at(d, "machine", "kernel"))),
    ("TSC GHz", lambda d: _text(_at(d, "machine", "tsc_ghz"))),
    ("timer overhead", lambda d: _ns(_at(d, "machine", "timer", "overhead_ns"))),
    ("timer step", lambda d: _ns(_at(d, "machine", "timer", "resolution_ns"))),
    ("mode", _mode),
    ("threads", lambda d: _text(_at(d, "config", "threads"))),
    ("pin", lambda d: _text(_at(d, "config", "pin", "cpu"))),
    ("--param", lambda d: _text(_at(d, "config", "params"))),
]


def _backends(data):
    out = {}
    for entry in data.get("backends") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            out[entry["name"]] = entry
    return out


def differences(a, b):
    """([(what, A, B)], [fields neither records]) for two reports' data."""
    differ, unrecorded = [], []
    for what, get in FIELDS:
        va, vb = get(a), get(b)
        if va == NOT_RECORDED and vb == NOT_RECORDED:
            unrecorded.append(what)
        elif va != vb:
            differ.append((what, va, vb))
    ba, bb = _backends(a), _backends(b)
    for name in sorted(set(ba) | set(bb)):
        if name not in ba or name not in bb:
            differ.append((f"backend {name}", "present" if name in ba else "absent",
                           "present" if name in bb else "absent"))
            continue
        for key in ("version", "malloc_provider", "tuning", "status"):
            va, vb = _text(ba[name].get(key)), _text(bb[name].get(key))
            if va != vb:
                differ.append((f"backend {name} {key}", va, vb))
    return differ, unrecorded


def header_lines(reports):
    """Text lines comparing each later report with the first: what differs, what is missing."""
    lines = []
    first = reports[0]
    for other in reports[1:]:
        differ, unrecorded = differences(first.data, other.data)
        lines.append(f"A = {first.path} ({first.generated_at}), B = {other.path} "
                     f"({other.generated_at})")
        if not differ:
            lines.append("  A and B agree on build, machine, kernel, timer, backends and mode")
        for what, va, vb in differ:
            lines.append(f"  {what}: A {va} | B {vb}")
        if unrecorded:
            lines.append("  not recorded in either report: " + ", ".join(unrecorded))
    return lines
