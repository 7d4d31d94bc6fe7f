"""Google Benchmark micro results: median real_time per benchmark and backend."""

import statistics

from .figure import log_axis, new_figure, outside_legend, series_handles, wide_range
from .report import num

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def micro_rows(report, backend):
    """[(name, median real_time, unit)]: the run's median aggregate when Google Benchmark
    wrote one, else the median of the iteration rows."""
    entry = report.micro.get(backend)
    rows = entry.get("benchmarks") if isinstance(entry, dict) else None
    if not isinstance(rows, list):
        return []
    medians, iterations, order = {}, {}, []
    for row in rows:
        if not isinstance(row, dict) or num(row.get("real_time")) is None:
            continue
        name = str(row.get("run_name") or row.get("name"))
        unit = str(row.get("time_unit") or "ns")
        if name not in order:
            order.append(name)
        if row.get("run_type") == "aggregate":
            if row.get("aggregate_name") == "median":
                medians[name] = (num(row["real_time"]), unit)
        else:
            iterations.setdefault(name, []).append((num(row["real_time"]), unit))
    out = []
    for name in order:
        if name in medians:
            out.append((name,) + medians[name])
        elif name in iterations:
            values = iterations[name]
            out.append((name, statistics.median(v for v, _ in values), values[0][1]))
    return out


def has_micro(results):
    return any(micro_rows(s.report, s.name) for s in results.series)


def micro_chart(results):
    series = [s for s in results.series if micro_rows(s.report, s.name) or s.failed]
    names = []
    values = {}
    for s in series:
        for name, value, unit in micro_rows(s.report, s.name):
            if name not in names:
                names.append(name)
            if unit in TO_NS:
                values[(s.label, name)] = value * TO_NS[unit]
    height = max(3.0, 0.18 * len(names) * max(len(series), 1) + 1.2)
    fig, (ax,) = new_figure(results.reports, "Micro benchmarks (Google Benchmark, median "
                            "real time; lower is better)", 11, min(height, 30))
    slot = 0.8 / max(len(series), 1)
    drawn = []
    for b_index, name in enumerate(names):
        for s_index, s in enumerate(series):
            value = values.get((s.label, name))
            y = b_index - 0.4 + slot * (s_index + 0.5)
            if value is None:
                ax.text(0.005, y, "failed" if s.failed else "n/a", va="center", fontsize=6,
                        color="#888888", transform=ax.get_yaxis_transform())
                continue
            drawn.append(value)
            ax.barh(y, value, slot * 0.92, color=s.color, hatch=s.hatch, edgecolor="black",
                    linewidth=0.4)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.invert_yaxis()
    if wide_range(drawn):
        log_axis(ax, "x")
        ax.set_xlabel("real time per iteration (ns, log scale)")
    else:
        ax.set_xlabel("real time per iteration (ns)")
    ax.grid(axis="x", alpha=0.3)
    outside_legend(ax, series_handles(series), "backend")
    return fig
