#!/usr/bin/python3
"""The report's shape is defined once (harness/report/report.schema.json) and both readers check
it: `allocbench compare` (C++, valijson) and scripts/plot.py (Python, jsonschema). A valid report
passes both; each broken one is refused by both, with exit 2 and the same message.

Usage: test_schema_agreement.py ALLOCBENCH_BIN
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCHEMA = os.path.join(REPO, "harness", "report", "report.schema.json")
GOOD = os.path.join(REPO, "tests", "scripts", "fixtures", "report_small.json")
PLOT = os.path.join(REPO, "scripts", "plot.py")
ALLOCBENCH = None


def set_path(data, path, value):
    *parents, last = path
    for key in parents:
        data = data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


DELETE = object()

# (what is broken, the mutation as a path and a value, the message both readers must give)
BROKEN = [
    ("a median gone", ["results", 0, "throughput", "ops_per_sec", "median"], DELETE,
     "results[0].throughput.ops_per_sec.median: missing"),
    ("a median as text", ["results", 0, "throughput", "ops_per_sec", "median"], "1.5e6",
     "results[0].throughput.ops_per_sec.median: wrong type, found string"),
    ("a negative count", ["results", 0, "latency_ns", "count"], -5,
     "results[0].latency_ns.count: expected a number >= 0"),
    ("another schema version", ["schema_version"], 2, "schema_version: unexpected value 2"),
    ("a float schema version", ["schema_version"], 1.0,
     "schema_version: wrong type, found number"),
    ("a boolean schema version", ["schema_version"], True,
     "schema_version: wrong type, found boolean"),
    ("cores as text", ["machine", "cores"], "two", "machine.cores: wrong type, found string"),
    ("an empty backend name", ["backends", 0, "name"], "",
     "backends[0].name: expected at least 1 characters, found 0"),
    ("a long scenario name", ["results", 1, "scenario"], "s" * 300,
     "results[1].scenario: expected at most 255 characters, found 300"),
    ("no cache object", ["results", 1, "cache"], DELETE, "results[1].cache: missing"),
    ("unavailable throughput without a reason",
     ["results", 0, "throughput", "ops_per_sec"], {"source": "unavailable"},
     "results[0].throughput.ops_per_sec.reason: missing"),
    ("a non-object machine timer", ["machine", "timer"], "rdtscp",
     "machine.timer: wrong type, found string"),
    ("micro rows not a list", ["micro"], {"system": {"benchmarks": {}}},
     "micro.system.benchmarks: wrong type, found object"),
]


def refusal(cmd, path, prefix):
    """(exit code, the message after '<prefix><path>: ') of one reader."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    head = f"{prefix}{path}: "
    return proc.returncode, first[len(head):] if first.startswith(head) else first


class SchemaAgreement(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        with open(GOOD, encoding="utf-8") as handle:
            self.good = json.load(handle)

    def write(self, data):
        path = os.path.join(self.tmp.name, "report.json")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(data if isinstance(data, str) else json.dumps(data))
        return path

    def readers(self, path):
        cpp = refusal([ALLOCBENCH, "compare", path, GOOD], path, "allocbench compare: ")
        py = refusal(["/usr/bin/python3", PLOT, path, "--out",
                      os.path.join(self.tmp.name, "charts")], path, "plot.py: error: ")
        return cpp, py

    def test_the_schema_is_a_valid_draft_7_schema(self):
        import jsonschema
        with open(SCHEMA, encoding="utf-8") as handle:
            jsonschema.Draft7Validator.check_schema(json.load(handle))

    def test_a_valid_report_passes_both(self):
        (cpp_rc, cpp_msg), (py_rc, py_msg) = self.readers(self.write(self.good))
        self.assertEqual(cpp_rc, 0, cpp_msg)
        self.assertEqual(py_rc, 0, py_msg)

    def test_each_broken_report_is_refused_by_both_with_the_same_message(self):
        for what, path, value, message in BROKEN:
            with self.subTest(what):
                data = copy.deepcopy(self.good)
                set_path(data, path, value)
                (cpp_rc, cpp_msg), (py_rc, py_msg) = self.readers(self.write(data))
                self.assertEqual(cpp_rc, 2, cpp_msg)
                self.assertEqual(py_rc, 2, py_msg)
                self.assertEqual(cpp_msg, message)
                self.assertEqual(py_msg, message)

    def test_a_report_that_is_not_an_object_is_refused_by_both(self):
        (cpp_rc, cpp_msg), (py_rc, py_msg) = self.readers(self.write("[]"))
        self.assertEqual((cpp_rc, py_rc), (2, 2))
        self.assertEqual(cpp_msg, "report: wrong type, found array")
        self.assertEqual(py_msg, cpp_msg)


if __name__ == "__main__":
    ALLOCBENCH = sys.argv.pop(1)
    unittest.main()
