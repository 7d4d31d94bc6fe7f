"""Any metric against any swept parameter: for each scenario and each workload parameter the
results hold two or more values of, one chart with a panel per metric (throughput, 1-op p99 and
p99.99, peak RSS, reserved / requested bytes) and a line per backend (and per setting of the
scenario's other workload parameters). Run-size parameters (the report's
config.run_size_params; ops and samples in older reports) are not workloads and are not swept."""

import math

from matplotlib.ticker import NullLocator

from .figure import log_axis, new_figure, outside_legend, wrap_label
from matplotlib.lines import Line2D
from .report import clip, num

LEGACY_RUN_SIZE = ("ops", "samples", "batch")


def _latency(key):
    return lambda r: num((r.get("latency_ns") or {}).get(key))


def _memory(key):
    return lambda r: num((r.get("memory") or {}).get(key))


def _reserved_ratio(r):
    memory = r.get("memory") or {}
    reserved, requested = num(memory.get("reserved_bytes")), num(memory.get("requested_bytes"))
    return reserved / requested if reserved is not None and requested else None


# name (for --metrics), axis label, reader
METRICS = [
    ("throughput", "ops/s (median)",
     lambda r: num(r["throughput"]["ops_per_sec"].get("median"))),
    ("p99", "1-op p99 (ns)", _latency("p99")),
    ("p99.99", "1-op p99.99 (ns)", _latency("p9999")),
    ("peak_rss", "peak RSS (MiB)",
     lambda r: None if _memory("peak_rss_bytes")(r) is None else
     _memory("peak_rss_bytes")(r) / 2 ** 20),
    ("reserved/requested", "reserved ÷ requested bytes", _reserved_ratio),
]


def run_size_names(report, scenario):
    declared = (report.config.get("run_size_params") or {}).get(scenario)
    return set(declared) if isinstance(declared, list) else set(LEGACY_RUN_SIZE)


def swept(results):
    """[(scenario, param)] with two or more numeric values of a workload parameter."""
    values = {}
    for report in results.reports:
        for r in report.results:
            skip = run_size_names(report, r["scenario"])
            for k, v in r["params"].items():
                if k not in skip and num(v) is not None:
                    values.setdefault((r["scenario"], k), set()).add(num(v))
    return [key for key, vs in values.items() if len(vs) >= 2]


def sweep_chart(results, scenario, param, metrics=None):
    metrics = [m for m in METRICS if metrics is None or m[0] in metrics]
    title = f"{scenario}: metrics against {param}"
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = new_figure(results.reports, title, 5.0 * ncols + 2.5, 3.4 * nrows, nrows, ncols)
    handles, seen = [], set()
    xs_all = set()
    for ax, (name, label, read) in zip(axes, metrics):
        drawn = []
        for s in results.series:
            run_size = run_size_names(s.report, scenario)
            lines = {}
            for r in s.report.results:
                if r["backend"] != s.name or r["scenario"] != scenario or param not in r["params"]:
                    continue
                x = num(r["params"][param])
                rest = tuple(sorted((k, str(v)) for k, v in r["params"].items()
                                    if k != param and k not in run_size))
                if x is not None:
                    lines.setdefault(rest, []).append((x, read(r)))
            for index, (rest, points) in enumerate(sorted(lines.items())):
                points = sorted(p for p in points if p[1] is not None)
                if not points:
                    continue
                styles = ["-", "--", ":", "-."]
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                        markersize=3.5, linewidth=1.3, color=s.color,
                        linestyle=styles[(index + s.report_index) % len(styles)])
                drawn += [p[1] for p in points]
                xs_all.update(p[0] for p in points)
                key = (s.label, rest)
                if key not in seen:
                    seen.add(key)
                    suffix = " ".join(f"{k}={v}" for k, v in rest) if len(lines) > 1 else ""
                    handles.append(Line2D(
                        [], [], color=s.color, marker="o", markersize=4,
                        linestyle=styles[(index + s.report_index) % len(styles)],
                        label=wrap_label(clip(f"{s.label} {suffix}".strip(), 60))))
        ax.set_title(label, fontsize=9)
        ax.set_xlabel(param, fontsize=8)
        positive = [v for v in drawn if v and v > 0]
        if positive and max(positive) / min(positive) > 100:
            log_axis(ax)
        if not drawn:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
    for ax in axes[len(metrics):]:
        ax.set_axis_off()
    if xs_all and max(xs_all) / max(min(xs_all), 1e-12) > 16:
        for ax in axes[:len(metrics)]:
            ax.set_xscale("log", base=2)
            ax.set_xticks(sorted(xs_all))
            ax.set_xticklabels([f"{v:g}" for v in sorted(xs_all)], fontsize=7)
            ax.xaxis.set_minor_locator(NullLocator())
    if handles:
        outside_legend(axes[ncols - 1], handles, "backend")
    return fig


def sweep_charts(results, metrics=None):
    """[(file name, title, figure)] for every swept workload parameter."""
    out = []
    for scenario, param in swept(results):
        out.append((f"sweep_{scenario}_{param}.png", f"{scenario} against {param}",
                    sweep_chart(results, scenario, param, metrics)))
    return out
