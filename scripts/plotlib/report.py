"""Loading and validating allocbench reports against harness/report/report.schema.json
(schema_version 1), the file the C++ reader checks too."""

import json
import math
import os

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "harness",
                           "report", "report.schema.json")
# The same limits as the C++ reader (harness/report/json_limits.hpp): not shape, so not in the
# schema.
MAX_REPORT_BYTES = 64 << 20
MAX_DEPTH = 64


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


def _is_number(value):
    """A JSON number: bool is an int in Python but not a number in the schema."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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


def _validator():
    """A validator for report.schema.json, the one definition of a report's shape that the C++
    reader (harness/report/schema.cpp) checks too. An integer is a JSON integer literal, as
    there: 1.0 is not schema_version 1 (jsonschema alone would take it)."""
    import jsonschema  # Debian's python3-jsonschema; imported here so --help works without it
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    base = jsonschema.Draft7Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(base, type_checker=checker)(schema)


def _path(parts):
    """deque(['results', 0, 'throughput']) as 'results[0].throughput'."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (("." if text else "") + str(part))
    return text


def _leaves(errors):
    for error in errors:
        yield error
        yield from _leaves(error.context or ())


def _described(error):
    """(depth, rank, message) for one error, worded as the C++ reader words them:
    'results[0].latency_ns.count: expected a number >= 0'. A missing key is one level deeper
    than the object that lacks it; rank puts a wrong type before other failures of a value."""
    path = _path(error.absolute_path)
    depth = len(error.absolute_path)
    if error.validator == "required":
        prefix = path + "." if path else ""
        return [(depth + 1, 0, f"{prefix}{key}: missing") for key in error.validator_value
                if isinstance(error.instance, dict) and key not in error.instance]
    return [(depth, 0 if error.validator == "type" else 1,
             _describe(error, path or "report"))]


def _describe(error, path):
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        return f"{path}: wrong type, found {_json_type(value)}"
    if kind == "minimum":
        return f"{path}: expected a number >= {expected:g}"
    if kind == "maxLength":
        return f"{path}: expected at most {expected} characters, found {len(value)}"
    if kind == "minLength":
        return f"{path}: expected at least {expected} characters, found {len(value)}"
    if kind == "const":
        return f"{path}: unexpected value {json.dumps(value)[:80]}"
    return f"{path}: {error.message[:200]}"


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def validate(data):
    """Raises ReportError naming the most specific problem: report.schema.json first, then
    that every result's backend is one of the report's backends (the charts' series)."""
    if depth(data) > MAX_DEPTH:
        raise ReportError(f"arrays or objects nested more than {MAX_DEPTH} deep")
    found = [d for e in _leaves(_validator().iter_errors(data)) for d in _described(e)]
    if found:
        # The deepest field; a wrong type first; then the first message in code-point order:
        # the C++ reader's choice (byte order, the same for these ASCII paths).
        _, _, message = min(found, key=lambda d: (-d[0], d[1], d[2]))
        raise ReportError(message)
    names = {backend["name"] for backend in data["backends"]}
    for i, result in enumerate(data["results"]):
        if result["backend"] not in names:
            raise ReportError(f"results[{i}].backend is '{result['backend']}', which is not "
                              "in 'backends'")


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
