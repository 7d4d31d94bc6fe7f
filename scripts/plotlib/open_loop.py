"""open_loop: latency from the intended arrival against load (the hockey stick), one line per
backend, the clean heap beside the lived-in (service) heap; and the p99 / p99.99 table by load
for report.md."""

import json

from matplotlib.lines import Line2D

from .figure import log_axis, new_figure, wrap_label
from .latency import line_handles
from .model import params_label
from .report import num

SCENARIO = "open_loop"
HEAP_NAMES = {1: "clean", 2: "service"}
# (key in latency_ns, label, line style, marker): markers tell them apart at a single load
SHOWN = (("p50", "p50", ":", "v"), ("p99", "p99", "--", "s"), ("p9999", "p99.99", "-", "o"))
# Parameters that place a result on the load axis or size the run, not a panel of its own.
AXIS_PARAMS = ("load_pct", "rate", "ops", "samples")


def _info(result):
    extra = result.get("extra")
    info = extra.get("open_loop") if isinstance(extra, dict) else None
    return info if isinstance(info, dict) else {}


def heap_of(result):
    name = _info(result).get("heap")
    if name in ("clean", "service"):
        return name
    heap = num(result["params"].get("heap"))
    return HEAP_NAMES.get(int(heap)) if heap is not None else None


def load_of(result):
    """The offered load in percent of the backend's measured capacity: load_pct as asked, or
    what an absolute --param rate came to in that process."""
    if "rate" in result["params"]:
        load = num(_info(result).get("load"))
        return 100 * load if load is not None else None
    return num(result["params"].get("load_pct"))


def _panel_key(result):
    rest = {k: v for k, v in result["params"].items() if k not in AXIS_PARAMS}
    return (0 if heap_of(result) == "clean" else 1, json.dumps(rest, sort_keys=True))


def _panel_title(result):
    rest = {k: v for k, v in result["params"].items()
            if k not in AXIS_PARAMS and k != "heap" and not (heap_of(result) == "clean"
                                                             and k in ("heap_mib", "heap_ops"))}
    heap = heap_of(result) or "unknown"
    return f"{heap} heap  " + params_label(rest)


def panels(results):
    """[(title, {series index: [result, ...]})] in clean-then-service order."""
    found = {}
    for i, s in enumerate(results.series):
        for r in s.report.results:
            if r["backend"] != s.name or r["scenario"] != SCENARIO:
                continue
            key = _panel_key(r)
            found.setdefault(key, (_panel_title(r), {}))[1].setdefault(i, []).append(r)
    return [found[k] for k in sorted(found)]


def has_open_loop(results):
    return bool(panels(results))


def open_loop_chart(results):
    reports = results.reports
    title = "open_loop: latency from the intended arrival vs offered load (lower is better)"
    found = panels(results)
    fig, axes = new_figure(reports, title, 5.2 * len(found) + 2.8, 3.8, 1, len(found))
    for ax, (heading, by_series) in zip(axes, found):
        loads, drawn = set(), False
        for i, rows in by_series.items():
            s = results.series[i]
            for key, _, style, marker in SHOWN:
                points = sorted((load_of(r), num((r.get("latency_ns") or {}).get(key)))
                                for r in rows)
                points = [(x, y) for x, y in points if x is not None and y is not None and y > 0]
                if not points:
                    continue
                drawn = True
                loads.update(x for x, _ in points)
                ax.plot([x for x, _ in points], [y for _, y in points], color=s.color,
                        linestyle=style, marker=marker, markersize=4, linewidth=1.3)
        ax.set_title(heading, fontsize=9)
        ax.set_xlabel("offered load (% of the backend's own measured capacity)", fontsize=8)
        ax.set_ylabel("latency (ns, log scale)", fontsize=8)
        ax.grid(alpha=0.3, which="both")
        if loads:
            ax.set_xticks(sorted(loads))
            ax.set_xticklabels([f"{v:g}" for v in sorted(loads)], fontsize=8)
            lo, hi = min(loads), max(loads)
            ax.set_xlim(lo - max(5, (hi - lo) * 0.08), hi + max(5, (hi - lo) * 0.08))
        if drawn:
            log_axis(ax)
        else:
            ax.text(0.5, 0.5, "no latency data", ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
    handles = line_handles(results.series)
    for _, label, style, marker in SHOWN:
        handles.append(Line2D([], [], color="black", linestyle=style, marker=marker,
                              markersize=4, label=label))
    handles.append(Line2D([], [], color="none", label=wrap_label(
        "latency = completion - intended Poisson arrival (queueing included), the "
        "repetitions' histograms merged")))
    axes[-1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8,
                    title="backend", title_fontsize=8, frameon=False)
    return fig


def _us(value):
    value = num(value)
    if value is None:
        return None
    us = value / 1000
    return f"{us:,.0f}" if us >= 1000 else f"{us:.3g}"


def markdown_section(results, index, table):
    """The p99 / p99.99 table per heap, a column pair per load; None without open_loop."""
    series = set(id(s) for s in results.series_of(index))
    parts = []
    for heading, by_series in panels(results):
        rows_of = {i: rs for i, rs in by_series.items() if id(results.series[i]) in series}
        if not rows_of:
            continue
        loads = sorted({load_of(r) for rs in rows_of.values() for r in rs
                        if load_of(r) is not None})
        header = ["backend"]
        for load in loads:
            header += [f"p99 @{load:g} % (µs)", f"p99.99 @{load:g} % (µs)",
                       f"achieved @{load:g} %"]
        rows = []
        for i, rs in rows_of.items():
            row = [results.series[i].name]
            for load in loads:
                r = next((r for r in rs if load_of(r) == load), None)
                latency = (r or {}).get("latency_ns") or {}
                achieved = num(_info(r or {}).get("achieved_load"))
                row += [_us(latency.get("p99")), _us(latency.get("p9999")),
                        f"{100 * achieved:.0f} %" if achieved is not None else None]
            rows.append(row)
        parts.append(f"#### open_loop, {heading}\n\n" + table(header, rows))
    if not parts:
        return None
    return ("### open_loop: tail latency by load\n\n"
            "Latency of a request from its intended (Poisson) arrival to its completion, merged "
            "over repetitions; load is a percentage of each backend's capacity measured in the "
            "same process first; achieved is the first repetition's completed rate over its "
            "capacity.\n\n" + "\n\n".join(parts))
