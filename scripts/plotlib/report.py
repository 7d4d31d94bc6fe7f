"""Loading and validating allocbench reports against the README's schema (version 1)."""

import json
import math
import os

SCHEMA_VERSION = 1
# The same limits as the C++ reader (harness/report/json_limits.hpp, schema.hpp).
MAX_REPORT_BYTES = 64 << 20
MAX_DEPTH = 64
MAX_NAME_BYTES = 255
LATENCY_KEYS = ("p50", "p90", "p99", "p999", "p9999", "max", "count")


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


def clip(text, limit=120):
    """Text for a chart, at most limit characters: laying out 100 KB of text takes minutes."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _require(obj, key, kind, where):
    if not isinstance(obj, dict) or key not in obj:
        raise ReportError(f"missing required key '{where}{key}'")
    value = obj[key]
    if kind is not None and not isinstance(value, kind):
        raise ReportError(f"'{where}{key}' has the wrong type ({type(value).__name__})")
    return value


def _is_number(value):
    """A JSON number: bool is an int in Python but not a number in the schema."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(obj, key, where):
    value = _require(obj, key, None, where)
    if not _is_number(value):
        raise ReportError(f"'{where}{key}' is not a number ({type(value).__name__})")
    return value


def _name(obj, key, where):
    value = _require(obj, key, str, where)
    size = len(value.encode("utf-8"))
    if not 1 <= size <= MAX_NAME_BYTES:
        raise ReportError(f"'{where}{key}' is {size} bytes; a name has 1 to {MAX_NAME_BYTES}")
    return value


def _optional(obj, key, kind, where):
    """A key the charts read when present: absent or null is fine, another type is not."""
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        raise ReportError(f"'{where}{key}' has the wrong type ({type(value).__name__})")
    return value


def depth(data):
    """How deeply arrays and objects nest in data (walked without recursion)."""
    deepest, stack = 0, [(data, 0)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, (dict, list)):
            level += 1
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            stack.extend((v, level) for v in (value.values() if isinstance(value, dict)
                                               else value))
    return deepest


def _validate_result(result, where):
    if not isinstance(result, dict):
        raise ReportError(f"'{where[:-1]}' is not an object")
    _name(result, "backend", where)
    _name(result, "scenario", where)
    _require(result, "params", dict, where)
    throughput = _require(result, "throughput", dict, where)
    ops = _require(throughput, "ops_per_sec", dict, where + "throughput.")
    at = where + "throughput.ops_per_sec."
    if ops.get("source") == "unavailable":
        _require(ops, "reason", str, at)
    else:
        for key in ("median", "min", "max"):
            _number(ops, key, at)
        for i, sample in enumerate(_require(ops, "samples", list, at)):
            if not _is_number(sample):
                raise ReportError(f"'{at}samples[{i}]' is not a number")
    for lat in ("latency_ns", "latency_cycles"):
        latency = _optional(result, lat, dict, where)
        for key in LATENCY_KEYS if latency else ():
            if key in latency:
                value = _number(latency, key, f"{where}{lat}.")
                if value < 0:
                    raise ReportError(f"'{where}{lat}.{key}' is negative")
    _require(result, "latency_ns", dict, where)
    _require(result, "memory", dict, where)
    cache = _require(result, "cache", dict, where)
    _require(cache, "source", str, where + "cache.")


def validate(data):
    """Raises ReportError naming the first problem. The checks are the C++ reader's
    (validate_report in harness/report/schema.cpp) plus the types of what the charts read."""
    if not isinstance(data, dict):
        raise ReportError("top level is not a JSON object")
    if depth(data) > MAX_DEPTH:
        raise ReportError(f"arrays or objects nested more than {MAX_DEPTH} deep")
    version = _require(data, "schema_version", None, "")
    # bool is an int in Python, and 1.0 == 1: only the integer 1 is version 1.
    if type(version) is not int or version != SCHEMA_VERSION:
        raise ReportError(f"schema_version is {json.dumps(version)}, expected {SCHEMA_VERSION}")
    _require(data, "generated_at", str, "")
    machine = _require(data, "machine", dict, "")
    _require(machine, "cpu_model", str, "machine.")
    _number(machine, "cores", "machine.")
    for key, kind in (("timer", dict), ("hw_counters", dict), ("caches", list)):
        _optional(machine, key, kind, "machine.")
    for i, level in enumerate(machine.get("caches") or []):
        if not isinstance(level, dict):
            raise ReportError(f"'machine.caches[{i}]' is not an object")
    _require(data, "config", dict, "")
    names = set()
    for i, backend in enumerate(_require(data, "backends", list, "")):
        where = f"backends[{i}]."
        if not isinstance(backend, dict):
            raise ReportError(f"'backends[{i}]' is not an object")
        names.add(_name(backend, "name", where))
        _require(backend, "status", str, where)
        _optional(backend, "error", str, where)
    for i, result in enumerate(_require(data, "results", list, "")):
        where = f"results[{i}]."
        _validate_result(result, where)
        if result["backend"] not in names:
            raise ReportError(f"'{where}backend' is '{result['backend']}', which is not in "
                              "'backends'")
    micro = data.get("micro")
    if micro is not None and not isinstance(micro, dict):
        raise ReportError("'micro' is not an object")
    for name, entry in (micro or {}).items():
        if not isinstance(entry, dict):
            raise ReportError(f"'micro.{name}' is not an object")
        _optional(entry, "benchmarks", list, f"micro.{name}.")


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
        return (f"{clip(machine.get('cpu_model'))}, {cores} cores · generated "
                f"{clip(self.generated_at)}")


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def load(path):
    """Reads and validates one report; every failure is a ReportError with a one-line message."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory") from None
    except OSError as err:
        raise ReportError(f"{path}: cannot read: {err.strerror}") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise ReportError(f"{path}: larger than the {MAX_REPORT_BYTES >> 20} MiB a report "
                          "may be")
    try:
        # NaN and Infinity are not JSON; Python's reader would take them.
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise ReportError(f"{path}: arrays or objects nested more than {MAX_DEPTH} deep") \
            from None
    except json.JSONDecodeError as err:
        raise ReportError(f"{path}: malformed JSON: {err.msg} at line {err.lineno} "
                          f"column {err.colno}") from None
    except ValueError as err:
        raise ReportError(f"{path}: malformed JSON: {err}") from None
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
            report.label = clip(report.generated_at, 60)
    elif len({r.label for r in reports}) != len(reports):
        for report in reports:
            report.label = report.path
    return reports
