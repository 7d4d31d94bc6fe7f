"""Loading and validating allocbench reports against the README's schema (version 1)."""

import json
import math
import os

SCHEMA_VERSION = 1


class ReportError(Exception):
    """A report that cannot be used: missing, malformed or not schema_version 1."""


def num(value):
    """The value as a finite float, or None when it was not measured (null, missing, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def first_line(text, limit=90):
    """First non-empty line of an error message, shortened for legends and tables."""
    if not text:
        return "no error message recorded"
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return "no error message recorded"


def _require(obj, key, kind, where):
    if not isinstance(obj, dict) or key not in obj:
        raise ReportError(f"missing required key '{where}{key}'")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        raise ReportError(f"'{where}{key}' has the wrong type ({type(value).__name__})")
    return value


def validate(data):
    """Raises ReportError naming the first problem; the checks cover what the charts read."""
    if not isinstance(data, dict):
        raise ReportError("top level is not a JSON object")
    version = _require(data, "schema_version", None, "")
    # bool is an int in Python; `true` must not pass as version 1.
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise ReportError(f"schema_version is {json.dumps(version)}, expected {SCHEMA_VERSION}")
    _require(data, "generated_at", str, "")
    machine = _require(data, "machine", dict, "")
    _require(machine, "cpu_model", str, "machine.")
    _require(machine, "cores", (int, float), "machine.")
    _require(data, "config", dict, "")
    names = set()
    for i, backend in enumerate(_require(data, "backends", list, "")):
        where = f"backends[{i}]."
        names.add(_require(backend, "name", str, where))
        _require(backend, "status", str, where)
    for i, result in enumerate(_require(data, "results", list, "")):
        where = f"results[{i}]."
        name = _require(result, "backend", str, where)
        if name not in names:
            raise ReportError(f"'{where}backend' is '{name}', which is not in 'backends'")
        _require(result, "scenario", str, where)
        _require(result, "params", dict, where)
        throughput = _require(result, "throughput", dict, where)
        _require(throughput, "ops_per_sec", dict, where + "throughput.")
        _require(result, "latency_ns", dict, where)
        _require(result, "memory", dict, where)
        cache = _require(result, "cache", dict, where)
        _require(cache, "source", str, where + "cache.")
    micro = data.get("micro")
    if micro is not None and not isinstance(micro, dict):
        raise ReportError("'micro' is not an object")


class Report:
    """One validated report plus the label it carries in comparisons."""

    def __init__(self, path, data):
        self.path = path
        self.data = data
        self.label = os.path.basename(path)

    machine = property(lambda self: self.data["machine"])
    config = property(lambda self: self.data["config"])
    backends = property(lambda self: self.data["backends"])
    results = property(lambda self: self.data["results"])
    generated_at = property(lambda self: self.data["generated_at"])
    micro = property(lambda self: self.data.get("micro") or {})

    def backend(self, name):
        for entry in self.backends:
            if entry["name"] == name:
                return entry
        return None

    def failed(self, name):
        entry = self.backend(name)
        return entry is not None and entry.get("status") == "failed"

    def footer(self):
        machine = self.machine
        cores = machine.get("cores")
        return f"{machine.get('cpu_model')}, {cores} cores · generated {self.generated_at}"


def load(path):
    """Reads and validates one report; every failure is a ReportError with a one-line message."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory") from None
    except OSError as err:
        raise ReportError(f"{path}: cannot read: {err.strerror}") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ReportError(f"{path}: malformed JSON: {err.msg} at line {err.lineno} "
                          f"column {err.colno}") from None
    try:
        validate(data)
    except ReportError as err:
        raise ReportError(f"{path}: {err}") from None
    return Report(path, data)


def load_all(paths):
    """Loads every report, then labels them: by generated_at when those differ, else by file."""
    reports = [load(path) for path in paths]
    stamps = [r.generated_at for r in reports]
    if len(set(stamps)) == len(stamps):
        for report in reports:
            report.label = report.generated_at
    elif len({r.label for r in reports}) != len(reports):
        for report in reports:
            report.label = report.path
    return reports
