"""Tests for the open_loop chart and its report.md table (scripts/plotlib/open_loop.py): a
report with open_loop results at three loads on both heaps gets open_loop.png, a line per
backend and percentile in each heap's panel, and p99 / p99.99 at each load in the Markdown.
Run with /usr/bin/python3 (it has matplotlib)."""

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLOT = os.path.join(REPO, "scripts", "plot.py")
SMALL = os.path.join(REPO, "tests", "scripts", "fixtures", "report_small.json")

sys.path.insert(0, os.path.join(REPO, "scripts"))
from plotlib import open_loop  # noqa: E402
from plotlib.model import Results  # noqa: E402
from plotlib.report import load_all  # noqa: E402

LOADS = (50, 80, 95)


def latency(p99_us, p9999_us):
    return {"p50": 300.0, "p90": 900.0, "p99": p99_us * 1000, "p999": p99_us * 1500,
            "p9999": p9999_us * 1000, "max": p9999_us * 1200, "count": 100000}


def with_open_loop(report):
    """report_small plus open_loop results for its two working backends: p99 in µs is
    10 x load / 50 on the clean heap, 100 x that on the service heap (bounded half of it)."""
    report = copy.deepcopy(report)
    template = report["results"][0]
    for backend in ("system", "bounded"):
        for heap in (1, 2):
            for load in LOADS:
                r = copy.deepcopy(template)
                r["backend"] = backend
                r["scenario"] = "open_loop"
                r["params"] = {"heap": heap, "heap_mib": 64, "heap_ops": 2, "load_pct": load,
                               "yields": 2, "ops": 200000}
                scale = (10 if heap == 1 else 1000) * load / 50 / (2 if backend == "bounded"
                                                                   else 1)
                r["latency_ns"] = latency(scale, 3 * scale)
                r["latency_cycles"] = latency(2.6 * scale, 7.8 * scale)
                r["extra"] = {"open_loop": {"heap": "clean" if heap == 1 else "service",
                                            "load": load / 100,
                                            "achieved_load": load / 100 - 0.01}}
                report["results"].append(r)
    report["config"]["scenarios"] = list(report["config"].get("scenarios") or []) + [
        "open_loop"]
    return report


class OpenLoopCharts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        with open(SMALL, encoding="utf-8") as handle:
            cls.report = with_open_loop(json.load(handle))
        cls.path = os.path.join(cls.tmp.name, "open_loop.json")
        with open(cls.path, "w", encoding="utf-8") as handle:
            json.dump(cls.report, handle)
        cls.out = os.path.join(cls.tmp.name, "charts")
        cls.md = os.path.join(cls.tmp.name, "report.md")
        cls.proc = subprocess.run([sys.executable, PLOT, cls.path, "--out", cls.out,
                                   "--markdown", cls.md], capture_output=True, text=True,
                                  timeout=300)
        with open(cls.md, encoding="utf-8") as handle:
            cls.text = handle.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_writes_the_chart(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertTrue(os.path.getsize(os.path.join(self.out, "open_loop.png")) > 1000)
        self.assertIn("open_loop.png", self.text)

    def test_no_chart_without_open_loop(self):
        results = Results(load_all([SMALL]))
        self.assertFalse(open_loop.has_open_loop(results))

    def test_clean_beside_service_with_a_line_per_backend_and_percentile(self):
        results = Results(load_all([self.path]))
        fig = open_loop.open_loop_chart(results)
        axes = [ax for ax in fig.axes if ax.get_title()]
        self.assertEqual([ax.get_title().split()[0] for ax in axes], ["clean", "service"])
        for ax in axes:
            lines = [line for line in ax.get_lines() if len(line.get_xdata()) > 0]
            # two backends x p50 / p99 / p99.99; the failed tcmalloc draws nothing
            self.assertEqual(len(lines), 6, ax.get_title())
            for line in lines:
                self.assertEqual(list(line.get_xdata()), list(LOADS))
        service = axes[1]
        p9999 = [line for line in service.get_lines() if line.get_linestyle() == "-"]
        top = max(max(line.get_ydata()) for line in p9999)
        self.assertAlmostEqual(top, 3 * 1000 * 95 / 50 * 1000)

    def test_markdown_shows_p99_and_p9999_at_each_load(self):
        self.assertIn("### open_loop: tail latency by load", self.text)
        for load in LOADS:
            self.assertIn(f"p99 @{load} % (µs)", self.text)
            self.assertIn(f"p99.99 @{load} % (µs)", self.text)
        # system on the service heap at 95 %: p99 1,900 µs, p99.99 5,700 µs, achieved 94 %.
        row = next(line for line in self.text.splitlines()
                   if line.startswith("| system | 1,000 |"))
        self.assertIn("| 1,900 | 5,700 | 94 % |", row)
        self.assertIn("#### open_loop, clean heap", self.text)
        self.assertIn("#### open_loop, service heap", self.text)


if __name__ == "__main__":
    unittest.main()
