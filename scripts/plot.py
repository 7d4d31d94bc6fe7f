#!/usr/bin/python3
"""Charts (PNG) and an optional Markdown report from one or more allocbench reports.

    scripts/plot.py REPORT.json [MORE.json ...] [--out DIR] [--markdown FILE] [--metrics M,M]

With two or more reports it first prints what differs between them besides their results
(build, machine, kernel, timer, backends' versions and tuning, mode); the Markdown report opens
with the same. Every parameter a report sweeps (two or more values of a workload parameter,
e.g. --param width=1024,16384) gets a chart of each metric against it (sweep_<scenario>_<param>).

With several reports the charts compare them, each labelled by its generated_at (or file
name). Bad input (missing file, malformed JSON, schema_version other than 1, missing keys,
what allocbench compare refuses, a report over 64 MiB or nested over 64 deep) and a
destination that exists but is not a writable regular file print one line on stderr and exit
2 without writing anything. Every chart is rendered in
memory first and each file is written atomically.
"""

import argparse
import os
import sys

from plotlib import cache, latency, memory, micro, open_loop, scaling, sweep, throughput
from plotlib.markdown import render as render_markdown
from plotlib.model import Results
from plotlib.output import check_destination, write_atomic
from plotlib.provenance import header_lines
from plotlib.report import ReportError, load_all

EXIT_BAD_INPUT = 2


def build_charts(results, metrics=None):
    """[(file name, title, figure)]: the fixed set, plus threads, micro and one chart per swept
    parameter when present."""
    charts = [
        ("throughput_ratio.png", "Throughput relative to system",
         throughput.ratio_chart(results)),
        ("throughput_abs.png", "Throughput (ops/s)", throughput.absolute_chart(results)),
        ("latency.png", "Tail latency", latency.latency_chart(results)),
    ]
    for name, fig in cache.cache_charts(results):
        title = "Cache misses and instructions per operation"
        if name != "cache.png":
            title += f" ({name[len('cache_'):-len('.png')]})"
        charts.append((name, title, fig))
    charts += [
        ("memory.png", "Memory", memory.memory_chart(results)),
        ("scaling_k.png", "Scaling with burst size K", scaling.k_chart(results)),
    ]
    threads = scaling.threads_chart(results)
    if threads is not None:
        charts.append(("scaling_threads.png", "Scaling with threads", threads))
    if open_loop.has_open_loop(results):
        charts.append(("open_loop.png", "Open-loop tail latency vs load",
                       open_loop.open_loop_chart(results)))
    if micro.has_micro(results):
        charts.append(("micro.png", "Micro benchmarks", micro.micro_chart(results)))
    charts += sweep.sweep_charts(results, metrics)
    return charts


def refuse_destinations(paths):
    """True (after saying why) when a path exists as something other than a writable regular
    file: a device, a pipe, a directory or a read-only file is never replaced."""
    for path in paths:
        problem = check_destination(path)
        if problem is not None:
            print(f"plot.py: error: cannot write {problem}", file=sys.stderr)
            return True
    return False


def render_all(args, reports):
    """Every chart as PNG bytes and the Markdown text, before anything is written, so a
    failure leaves no partial set."""
    results = Results(reports)
    from plotlib.figure import render
    rendered = [(os.path.join(args.out, name), title, render(fig))
                for name, title, fig in build_charts(results, args.metrics)]
    markdown = None
    if args.markdown:
        markdown = render_markdown(results, args.markdown,
                                   [(title, path) for path, title, _ in rendered])
    return rendered, markdown


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", metavar="REPORT.json")
    parser.add_argument("--out", default="results/charts", help="chart directory")
    parser.add_argument("--markdown", metavar="FILE", help="also write a Markdown report")
    parser.add_argument("--metrics", metavar="M,M",
                        help="metrics of the sweep charts (one per swept parameter), from: " +
                        ", ".join(m[0] for m in sweep.METRICS) + " (default: all)")
    args = parser.parse_args(argv)
    if args.metrics is not None:
        args.metrics = [m for m in args.metrics.split(",") if m]
        unknown = [m for m in args.metrics if m not in [x[0] for x in sweep.METRICS]]
        if unknown or not args.metrics:
            print(f"plot.py: error: --metrics: unknown metric {', '.join(unknown) or '(none)'}; "
                  "valid: " + ", ".join(m[0] for m in sweep.METRICS), file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        reports = load_all(args.reports)
    except ReportError as err:
        print(f"plot.py: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if refuse_destinations([args.markdown] if args.markdown else []):
        return EXIT_BAD_INPUT
    if len(reports) > 1:
        # What differs besides the results, before anything is drawn from them.
        print("\n".join(["what differs between the reports (besides their results):"] +
                        header_lines(reports)))
    try:
        rendered, markdown = render_all(args, reports)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError, RecursionError,
            OverflowError) as err:
        # Content validate() does not foresee: one line and exit 2, never a traceback.
        print(f"plot.py: error: cannot chart {', '.join(args.reports)}: "
              f"{type(err).__name__}: {str(err)[:200]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if refuse_destinations([path for path, _, _ in rendered]):
        return EXIT_BAD_INPUT
    try:
        for path, _, data in rendered:
            write_atomic(path, data)
        if markdown is not None:
            write_atomic(args.markdown, markdown)
    except OSError as err:
        print(f"plot.py: error: cannot write {err.filename or args.out}: {err.strerror}",
              file=sys.stderr)
        return 1
    written = [path for path, _, _ in rendered] + ([args.markdown] if args.markdown else [])
    print(f"plot.py: wrote {len(written)} files: " + ", ".join(written), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
