"""Scaling: cost per operation against burst size K (spawn_burst) and against thread count."""

import math

from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from .figure import log_axis, new_figure, note_figure, wrap_label
from .latency import line_handles
from .model import ns_per_op, ops, params_key, params_label, threads_of
from .report import num


def _cost(result):
    """(ns/op at the median, lower, upper) from ops/s; faster repetitions give lower cost."""
    median, low, high = ops(result)
    return ns_per_op(median), ns_per_op(high), ns_per_op(low)


def _draw(ax, points, color, linestyle):
    points.sort()
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    lower = [max(p[1] - p[2], 0.0) if p[2] is not None else 0.0 for p in points]
    upper = [max(p[3] - p[1], 0.0) if p[3] is not None else 0.0 for p in points]
    ax.errorbar(xs, ys, yerr=[lower, upper], color=color, linestyle=linestyle, marker="o",
                markersize=3.5, linewidth=1.3, capsize=2, elinewidth=0.8)


def _value_ticks(ax, values):
    """Ticks at the measured x values, written plainly (1024, not 2^10)."""
    if values:
        ax.set_xticks(sorted(values))
        ax.set_xticklabels([f"{v:g}" for v in sorted(values)], fontsize=8)
        ax.xaxis.set_minor_locator(NullLocator())


def _panels(count):
    ncols = min(3, count)
    return math.ceil(count / ncols), ncols


def k_chart(results):
    reports = results.reports
    title = "spawn_burst: cost per task vs burst size K (lower is better)"
    burst = [r for report in reports for r in report.results
             if r["scenario"] == "spawn_burst" and num(r["params"].get("k")) is not None]
    if not burst:
        return note_figure(reports, title, "No spawn_burst results with a 'k' parameter.")
    # One panel per setting of the other parameters (e.g. frame size), K on the x axis.
    panels = {}
    for r in burst:
        rest = {k: v for k, v in r["params"].items() if k != "k"}
        panels.setdefault(params_key(rest), rest)
    nrows, ncols = _panels(len(panels))
    fig, axes = new_figure(reports, title, 4.6 * ncols + 2.8, 3.4 * nrows, nrows, ncols)
    for ax, (key, rest) in zip(axes, panels.items()):
        ks = set()
        for s in results.series:
            points = []
            for r in s.report.results:
                if r["backend"] != s.name or r["scenario"] != "spawn_burst":
                    continue
                k = num(r["params"].get("k"))
                others = {n: v for n, v in r["params"].items() if n != "k"}
                median, low, high = _cost(r)
                if k is not None and median is not None and params_key(others) == key:
                    points.append((k, median, low, high))
            if points:
                ks.update(p[0] for p in points)
                _draw(ax, points, s.color, s.linestyle)
        ax.set_xscale("log", base=2)
        log_axis(ax)
        _value_ticks(ax, ks)
        ax.set_xlabel("K (tasks spawned per burst, log2 scale)", fontsize=8)
        ax.set_ylabel("ns per task (log; median, bars min–max)", fontsize=8)
        ax.set_title(("spawn_burst " + params_label(rest)).strip(), fontsize=9)
        ax.grid(alpha=0.3, which="both")
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    axes[ncols - 1].legend(handles=line_handles(results.series), loc="upper left",
                           bbox_to_anchor=(1.02, 1.0), fontsize=8, title="backend",
                           title_fontsize=8, frameon=False)
    return fig


def threads_chart(results):
    """None when no scenario was run at more than one thread count, some above 1."""
    # (scenario, other params) -> backend -> threads -> result; later reports win on ties.
    table = {}
    for report in results.reports:
        for r in report.results:
            rest = {k: v for k, v in r["params"].items() if k != "threads"}
            key = (r["scenario"], params_key(rest))
            entry = table.setdefault(key, (r["scenario"], rest, {}))
            entry[2].setdefault(r["backend"], {})[threads_of(r, report)] = r
    panels = []
    for scenario, rest, lines in table.values():
        counts = {t for per in lines.values() for t in per}
        if len(counts) > 1 and max(counts) > 1:
            panels.append((scenario, rest, lines))
    if not panels:
        return None
    reports = results.reports
    nrows, ncols = _panels(len(panels))
    fig, axes = new_figure(reports, "Cost per operation vs threads (lower is better)",
                           4.6 * ncols + 2.8, 3.4 * nrows, nrows, ncols)
    colors, failures = {}, {}
    for s in results.series:
        colors.setdefault(s.name, s.color)
        if s.failed:
            failures.setdefault(s.name, s.error)
    for ax, (scenario, rest, lines) in zip(axes, panels):
        counts = set()
        for name, per in lines.items():
            points = [(t,) + _cost(r) for t, r in per.items()]
            points = [p for p in points if p[1] is not None]
            if points:
                counts.update(p[0] for p in points)
                _draw(ax, points, colors.get(name, "black"), "-")
        ax.set_xscale("log", base=2)
        log_axis(ax)
        _value_ticks(ax, counts)
        ax.set_xlabel("threads (log2 scale)", fontsize=8)
        ax.set_ylabel("ns per op = 1e9 / ops/s (log)", fontsize=8)
        ax.set_title(f"{scenario} {params_label(rest)}".strip(), fontsize=9)
        ax.grid(alpha=0.3, which="both")
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    handles = [Line2D([], [], color=color, marker="o", markersize=4,
                      label=wrap_label(f"{name} (failed: {failures[name]})" if name in failures
                                       else name))
               for name, color in colors.items()]
    axes[ncols - 1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                           fontsize=8, title="backend", title_fontsize=8, frameon=False)
    return fig
