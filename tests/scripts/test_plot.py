"""Tests for scripts/plot.py: the chart files, the Markdown report, what the charts draw,
bad input and atomic output. Run with /usr/bin/python3 (it has matplotlib)."""

import copy
import json
import math
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLOT = os.path.join(REPO, "scripts", "plot.py")
FIXTURES = os.path.join(REPO, "tests", "scripts", "fixtures")
SMALL = os.path.join(FIXTURES, "report_small.json")
CALLGRIND = os.path.join(FIXTURES, "report_callgrind.json")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BASE_CHARTS = ["throughput_ratio.png", "throughput_abs.png", "latency.png", "cache.png",
               "memory.png", "scaling_k.png"]

sys.path.insert(0, os.path.join(REPO, "scripts"))
import matplotlib.text  # noqa: E402
from plotlib import cache, latency, throughput  # noqa: E402
from plotlib.model import Results  # noqa: E402
from plotlib.output import write_atomic  # noqa: E402
from plotlib.report import load_all  # noqa: E402


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def run_plot(*args):
    return subprocess.run([sys.executable, PLOT, *args], capture_output=True, text=True,
                          timeout=300)


def png_size(path):
    """(width, height) from the IHDR chunk, after checking the signature."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if head[:8] != PNG_MAGIC or head[12:16] != b"IHDR":
        raise AssertionError(f"{path} is not a PNG")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def all_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


class PlotRun(unittest.TestCase):
    """Runs plot.py once per fixture set into a temp dir shared by the class's tests."""

    reports = [SMALL]

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "charts")
        cls.md = os.path.join(cls.tmp.name, "report.md")
        cls.proc = run_plot(*cls.reports, "--out", cls.out, "--markdown", cls.md)
        cls.text = ""
        if os.path.exists(cls.md):
            with open(cls.md, encoding="utf-8") as handle:
                cls.text = handle.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def assert_charts(self, names):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        for name in names:
            path = os.path.join(self.out, name)
            self.assertTrue(os.path.isfile(path), f"{name} missing")
            self.assertGreater(os.path.getsize(path), 1000, name)
            width, height = png_size(path)
            self.assertGreater(width, 300, name)
            self.assertGreater(height, 200, name)

    def assert_links_resolve(self):
        links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", self.text)
        self.assertTrue(links)
        for link in links:
            self.assertFalse(os.path.isabs(link), link)
            self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(self.md), link)), link)
        return links


# The small report sweeps k (spawn_burst) and frame_bytes (spawn_churn): a chart of every metric
# against each (issue 14).
SMALL_SWEEPS = ["sweep_spawn_burst_k.png", "sweep_spawn_churn_frame_bytes.png"]


class SmallReport(PlotRun):
    def test_writes_every_chart_as_png(self):
        self.assert_charts(BASE_CHARTS + SMALL_SWEEPS)

    def test_writes_nothing_else(self):
        # No leftover temp files; no threads or micro chart without such data.
        self.assertEqual(all_files(self.out), sorted(BASE_CHARTS + SMALL_SWEEPS))

    def test_noise_line_opens_the_markdown(self):
        # Issue 14: the floor's spread, or why it is unavailable, before anything else.
        first = [line for line in self.text.splitlines() if line.startswith("**noise:")]
        self.assertTrue(first, self.text[:400])
        self.assertLess(self.text.index("**noise:"), self.text.index("### Machine"))

    def test_markdown_names_every_backend_and_the_failure(self):
        data = load_json(SMALL)
        for backend in data["backends"]:
            self.assertIn(backend["name"], self.text)
            if backend["status"] == "failed":
                self.assertIn("failed: " + backend["error"].splitlines()[0], self.text)

    def test_markdown_has_machine_config_scenarios_and_method(self):
        data = load_json(SMALL)
        self.assertIn(data["machine"]["cpu_model"], self.text)
        self.assertIn(data["generated_at"], self.text)
        for heading in ("### Machine", "### Configuration", "### Backends", "## Method",
                        "#### spawn_burst k=1024", "#### mixed_lifetime"):
            self.assertIn(heading, self.text)
        self.assertIn(data["results"][0]["cache"]["reason"], self.text)

    def test_markdown_links_every_chart_relatively(self):
        links = self.assert_links_resolve()
        self.assertEqual(sorted(os.path.basename(link) for link in links),
                         sorted(BASE_CHARTS + SMALL_SWEEPS))

    def test_ratio_column_matches_the_data(self):
        data = load_json(SMALL)
        medians = {(r["backend"], r["scenario"], json.dumps(r["params"])):
                   r["throughput"]["ops_per_sec"]["median"] for r in data["results"]}
        key = ("bounded", "spawn_burst", json.dumps({"k": 16384}))
        base = medians[("system",) + key[1:]]
        row = next(line for line in self.text.split("#### spawn_burst k=16384")[1].splitlines()
                   if line.startswith("| bounded"))
        self.assertIn(f"{medians[key] / base:.2f}×", row)


    def test_targets_are_computed_from_the_report(self):
        data = load_json(SMALL)
        medians = {(r["backend"], r["scenario"], json.dumps(r["params"])):
                   r["throughput"]["ops_per_sec"]["median"] for r in data["results"]}
        burst = (medians[("bounded", "spawn_burst", json.dumps({"k": 1024}))] /
                 medians[("system", "spawn_burst", json.dumps({"k": 1024}))])
        section = self.text.split("### Targets")[1].split("####")[0]
        row = next(line for line in section.splitlines() if "spawn_burst (K=1024)" in line)
        self.assertIn(f"{burst:.2f}x", row)
        self.assertIn("met" if burst >= 2 else "missed", row)
        # The fixture's spawn_churn has no frame=64 parameter: unavailable, not a made-up verdict.
        row = next(line for line in section.splitlines() if "cost vs floor" in line)
        self.assertIn("unavailable", row)


class CallgrindReport(PlotRun):
    reports = [CALLGRIND]

    def test_writes_threads_and_micro_charts(self):
        self.assert_charts(BASE_CHARTS + ["scaling_threads.png", "micro.png"])

    def test_markdown_shows_callgrind_counts_and_geometry(self):
        self.assertIn("callgrind", self.text)
        self.assertIn("D1 misses / op", self.text)
        self.assertIn("LL misses / op", self.text)
        self.assertIn("D1 32 KiB 8-way 64 B lines", self.text)
        row = next(r for r in load_json(CALLGRIND)["results"] if r["backend"] == "jemalloc")
        self.assertIn(f"{row['cache']['instructions_per_op']:.4g}", self.text)

    def test_markdown_has_micro_table(self):
        self.assertIn("### Micro benchmarks", self.text)
        self.assertIn("BM_SpawnPollFree", self.text)
        self.assert_links_resolve()


class TwoReports(PlotRun):
    reports = [SMALL, CALLGRIND]

    def test_compares_both_reports(self):
        self.assert_charts(BASE_CHARTS + ["scaling_threads.png", "micro.png"])
        for path in self.reports:
            self.assertIn("## Report " + load_json(path)["generated_at"], self.text)

    def test_opens_with_what_differs(self):
        # Issue 14: fixtures from before provenance say so ("not recorded"), never crash.
        self.assertIn("What differs between the reports besides their results:", self.text)
        self.assertIn("not recorded in either report: allocbench version, commit", self.text)
        self.assertLess(self.text.index("What differs"), self.text.index("## Report "))


class BadInput(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, content):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def assert_rejected(self, *reports, mentions):
        out = os.path.join(self.tmp.name, "charts")
        md = os.path.join(self.tmp.name, "report.md")
        proc = run_plot(*reports, "--out", out, "--markdown", md)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(mentions, lines[0])
        self.assertFalse(os.path.exists(out), "chart directory written")
        self.assertFalse(os.path.exists(md), "markdown written")

    def mutated(self, change):
        data = copy.deepcopy(load_json(SMALL))
        change(data)
        return self.write("bad.json", data)

    def test_missing_file(self):
        self.assert_rejected(os.path.join(self.tmp.name, "nope.json"), mentions="no such file")

    def test_malformed_json(self):
        self.assert_rejected(self.write("bad.json", '{"schema_version": 1,'),
                             mentions="malformed JSON")

    def test_wrong_schema_version(self):
        self.assert_rejected(self.mutated(lambda d: d.update(schema_version=2)),
                             mentions="schema_version")

    def test_boolean_schema_version(self):
        self.assert_rejected(self.mutated(lambda d: d.update(schema_version=True)),
                             mentions="schema_version")

    def test_missing_required_keys(self):
        self.assert_rejected(self.mutated(lambda d: d["results"][0].pop("throughput")),
                             mentions="results[0].throughput")
        self.assert_rejected(self.mutated(lambda d: d.pop("machine")), mentions="machine")
        self.assert_rejected(self.mutated(lambda d: d["backends"][1].pop("status")),
                             mentions="backends[1].status")

    def test_one_bad_report_among_good_ones_writes_nothing(self):
        self.assert_rejected(SMALL, self.write("bad.json", "[]"), mentions="bad.json")


class Hostile(BadInput):
    """Issue 13, items 7 and 8: hostile reports and destinations get one line and exit 2 (or,
    for text that only looks like maths, charts that show it literally), never a traceback."""

    def assert_rejected(self, *reports, mentions):
        started = time.monotonic()
        super().assert_rejected(*reports, mentions=mentions)
        self.assertLess(time.monotonic() - started, 30, mentions)

    def test_deep_nesting(self):
        text = json.dumps(load_json(SMALL)).replace(
            '"params": {}', '"params": {"x": ' + "[" * 100000 + "]" * 100000 + "}", 1)
        self.assertIn("[[[[", text)
        self.assert_rejected(self.write("bad.json", text), mentions="nested more than 64 deep")

    def test_what_compare_refuses(self):
        def set_median(value):
            return lambda d: d["results"][0]["throughput"]["ops_per_sec"].update(median=value)
        text = json.dumps(load_json(SMALL))
        self.assert_rejected(self.write("nan.json", text.replace(
            '"median": ', '"median": NaN, "x": ', 1)), mentions="NaN is not a JSON number")
        self.assert_rejected(self.write("inf.json", text.replace(
            '"median": ', '"median": -Infinity, "x": ', 1)), mentions="Infinity")
        self.assert_rejected(self.mutated(set_median("1.5e6")),
                             mentions="results[0].throughput.ops_per_sec.median")
        self.assert_rejected(self.mutated(
            lambda d: d["results"][0]["latency_ns"].update(count=-5)),
            mentions="results[0].latency_ns.count: expected a number >= 0")
        self.assert_rejected(self.mutated(lambda d: d.update(schema_version=1.0)),
                             mentions="schema_version")

    def test_wrong_types_where_the_charts_read(self):
        self.assert_rejected(self.mutated(lambda d: d["machine"].update(timer="rdtscp")),
                             mentions="machine.timer")
        self.assert_rejected(self.mutated(lambda d: d["machine"].update(caches=[1])),
                             mentions="machine.caches[0]")

    def test_huge_name_is_refused_quickly(self):
        def rename(d):
            old = d["backends"][0]["name"]
            d["backends"][0]["name"] = "b" * 100000
            for r in d["results"]:
                if r["backend"] == old:
                    r["backend"] = "b" * 100000
        self.assert_rejected(self.mutated(rename), mentions="expected at most 255 characters")

    def test_oversized_report(self):
        path = self.write("big.json", '{"schema_version": 1, "pad": "')
        os.truncate(path, 200 << 20)  # sparse: nothing is written
        self.assert_rejected(path, mentions="larger than the 64 MiB")

    def test_fifo_or_read_only_destination_is_refused(self):
        fifo = os.path.join(self.tmp.name, "pipe.md")
        os.mkfifo(fifo)
        out = os.path.join(self.tmp.name, "charts")
        proc = run_plot(SMALL, "--out", out, "--markdown", fifo)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("not a regular file", proc.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")
        self.assertFalse(os.path.exists(out), "charts written")
        read_only = self.write("ro.md", "keep me")
        os.chmod(read_only, 0o444)
        proc = run_plot(SMALL, "--out", out, "--markdown", read_only)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("read-only", proc.stderr)
        with open(read_only, encoding="utf-8") as handle:
            self.assertEqual(handle.read(), "keep me")

    def test_dollar_signs_are_text_not_maths(self):
        def rename(d):
            names = {d["backends"][0]["name"]: "a$x^{2}$b", d["backends"][1]["name"]: "cost $5"}
            for b in d["backends"]:
                b["name"] = names.get(b["name"], b["name"])
                if b.get("error"):
                    b["error"] = "failed at $x$ and $"
            for r in d["results"]:
                r["backend"] = names.get(r["backend"], r["backend"])
        path = self.mutated(rename)
        # In process: every text holding a dollar sign is drawn as plain text.
        results = Results(load_all([path]))
        figures = [throughput.ratio_chart(results), latency.latency_chart(results)]
        seen = 0
        for fig in figures:
            for text in fig.findobj(matplotlib.text.Text):
                if "$" in text.get_text():
                    seen += 1
                    self.assertFalse(text._preprocess_math(text.get_text())[1], text.get_text())
        self.assertGreater(seen, 0)
        # End to end: the unbalanced "cost $5" used to raise inside matplotlib (exit 1).
        out = os.path.join(self.tmp.name, "charts")
        proc = run_plot(path, "--out", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("Traceback", proc.stderr)


def suptitle(fig):
    # Figure.get_suptitle() arrived after Debian 12's matplotlib 3.6.
    title = getattr(fig, "_suptitle", None)
    return title.get_text() if title is not None else ""


def texts_of(fig):
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts] + [ax.get_title()]
        legend = ax.get_legend()
        if legend is not None:
            found += [t.get_text() for t in legend.get_texts()]
    return "\n".join(found)


class ChartContent(unittest.TestCase):
    """What the figures draw, read back from matplotlib's objects before rendering."""

    def setUp(self):
        self.results = Results(load_all([SMALL]))
        self.data = load_json(SMALL)

    def test_failed_backend_is_labelled_and_not_drawn_as_zero(self):
        fig = throughput.absolute_chart(self.results)
        (ax,) = fig.axes
        heights = sorted(p.get_height() for p in ax.patches)
        expected = sorted(r["throughput"]["ops_per_sec"]["median"] for r in self.data["results"])
        self.assertEqual(len(heights), len(expected))  # one bar per result, none for tcmalloc
        for got, want in zip(heights, expected):
            self.assertAlmostEqual(got, want, delta=want * 1e-9)
        text = texts_of(fig)
        self.assertIn("failed: worker exited with signal 11", text.replace("\n", " "))

    def test_ratio_bars_divide_by_system(self):
        (ax,) = throughput.ratio_chart(self.results).axes
        heights = sorted(p.get_height() for p in ax.patches)
        system = [h for h in heights if abs(h - 1.0) < 1e-12]
        self.assertEqual(len(system), len(self.results.groups))
        self.assertGreater(max(heights), 1.0)

    def test_every_chart_has_footer_with_machine_and_date(self):
        for fig in (throughput.ratio_chart(self.results), latency.latency_chart(self.results),
                    cache.cache_charts(self.results)[0][1]):
            text = texts_of(fig)
            self.assertIn(self.data["machine"]["cpu_model"], text)
            self.assertIn(self.data["generated_at"], text)
            self.assertTrue(suptitle(fig))

    def test_unavailable_cache_chart_quotes_the_reason(self):
        ((name, fig),) = cache.cache_charts(self.results)
        self.assertEqual(name, "cache.png")
        self.assertIn('"perf_event_open: hardware events not supported"', texts_of(fig))

    def test_latency_axis_is_log_of_one_over_one_minus_p(self):
        fig = latency.latency_chart(self.results)
        ax = fig.axes[0]
        ticks = [t.get_text() for t in ax.get_xticklabels()]
        self.assertEqual(ticks, ["p50", "p90", "p99", "p99.9", "p99.99"])
        expected = [-math.log10(1 - p) for p in (0.5, 0.9, 0.99, 0.999, 0.9999)]
        for got, want in zip(ax.get_xticks(), expected):
            self.assertAlmostEqual(got, want)
        self.assertEqual(ax.get_yscale(), "log")
        # system and bounded (tcmalloc has no data), plus the timer step when the report has it.
        step = (self.data["machine"].get("timer") or {}).get("resolution_ns")
        self.assertEqual(len(ax.get_lines()), 3 if step else 2)

    def test_callgrind_and_hw_are_never_mixed(self):
        data = copy.deepcopy(self.data)
        for r in data["results"]:
            if r["backend"] == "system":
                r["cache"] = {"source": "hw", "l1d_misses_per_op": 1.0, "llc_misses_per_op": 0.1,
                              "instructions_per_op": 100.0, "cycles_per_op": 50.0}
            else:
                r["cache"] = {"source": "callgrind", "geometry": {}, "d1_misses_per_op": 0.5,
                              "ll_misses_per_op": 0.05, "instructions_per_op": 80.0}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "mixed.json")
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            charts = dict(cache.cache_charts(Results(load_all([path]))))
        self.assertEqual(sorted(charts), ["cache.png", "cache_callgrind.png"])
        groups = len(self.results.groups)
        for fig in charts.values():
            for ax in fig.axes:
                self.assertEqual(len(ax.patches), groups)  # one source's backend per group
        self.assertIn("hardware counters", suptitle(charts["cache.png"]))
        self.assertIn("callgrind", suptitle(charts["cache_callgrind.png"]))


    def _with(self, mutate):
        data = copy.deepcopy(self.data)
        mutate(data)
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)
        path = os.path.join(self._tmp.name, "mutated.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        return Results(load_all([path])), path

    def test_noisy_results_are_hatched_as_the_report_says(self):
        def mark(data):
            data["results"][0]["noisy"] = True  # the report's flag; plot.py never recomputes it
        results, _ = self._with(mark)
        (ax,) = throughput.absolute_chart(results).axes
        hatched = [p for p in ax.patches if "xxx" in (p.get_hatch() or "")]
        self.assertEqual(len(hatched), 1)
        self.assertIn("noisy", texts_of(throughput.absolute_chart(results)))

    def test_not_comparable_rows_are_faded_marked_and_explained(self):
        reason = "pmr_monotonic never reuses a freed frame"

        def mark(data):
            data["results"][0]["not_comparable"] = reason
        results, path = self._with(mark)
        fig = throughput.absolute_chart(results)
        (ax,) = fig.axes
        faded = [p for p in ax.patches if p.get_alpha() == 0.25]
        self.assertEqual(len(faded), 1)
        self.assertIn("n/c", [t.get_text() for t in ax.texts])
        self.assertIn("not comparable", texts_of(fig))
        # Unmarked, nothing is faded and the legend does not mention it.
        (plain_ax,) = throughput.absolute_chart(self.results).axes
        self.assertFalse([p for p in plain_ax.patches if p.get_alpha() == 0.25])
        self.assertNotIn("not comparable", texts_of(throughput.absolute_chart(self.results)))
        md = os.path.join(self._tmp.name, "report.md")
        proc = run_plot(path, "--out", os.path.join(self._tmp.name, "charts"), "--markdown", md)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(md, encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn(results.reports[0].results[0]["backend"] + " (n/c)", text)

    def test_latency_draws_batched_beside_single_and_markdown_marks_timer_steps(self):
        def batched(data):
            data["machine"].setdefault("timer", {})["resolution_ns"] = 10.0
            for r in data["results"]:
                r["latency_batched_ns"] = {"p50": 3.1, "p90": 3.4, "p99": 3.9, "batch": 64}
                r["latency_ns"]["p99"] = 40.1
        results, path = self._with(batched)
        fig = latency.latency_chart(results)
        ax = fig.axes[0]
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        self.assertEqual(len(dashed), 2)  # system and bounded, batched p50/p90/p99
        self.assertEqual(list(dashed[0].get_ydata()), [3.1, 3.4, 3.9])
        self.assertIn("batched, per operation (B = 64)", texts_of(fig))
        self.assertIn("timer step (10.0 ns)", texts_of(fig))
        with tempfile.TemporaryDirectory() as out:
            md = os.path.join(out, "r.md")
            done = run_plot(path, "--out", out, "--markdown", md)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(md, encoding="utf-8") as handle:
                text = handle.read()
        self.assertIn("| 3.1 | 3.4 | 3.9 | ~40 (4 steps) |", text)  # never "40.1"
        self.assertIn("batched p50 (ns)", text)

class AtomicOutput(unittest.TestCase):
    def test_failed_write_keeps_old_file_and_leaves_no_temp(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "chart.png")
            write_atomic(path, b"old")
            with self.assertRaises(TypeError):
                write_atomic(path, object())
            with open(path, "rb") as handle:
                self.assertEqual(handle.read(), b"old")
            self.assertEqual(os.listdir(tmp), ["chart.png"])
            write_atomic(path, "new")
            with open(path, "rb") as handle:
                self.assertEqual(handle.read(), b"new")


if __name__ == "__main__":
    unittest.main()
