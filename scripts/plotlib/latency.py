"""Latency: percentile curves per backend, one panel per scenario and parameter set. Solid:
single operations timed alone (the tails); dashed: batched samples, one timing pair per B
operations (the typical cost, below the timer's step). The timer's step is a dotted line."""

import math

from matplotlib.lines import Line2D

from .figure import log_axis, new_figure, note_figure, wrap_label
from .model import group_label
from .report import num

# (key in latency_ns, tick label, p); x is -log10(1 - p) so each extra nine is one step.
PERCENTILES = [("p50", "p50", 0.5), ("p90", "p90", 0.9), ("p99", "p99", 0.99),
               ("p999", "p99.9", 0.999), ("p9999", "p99.99", 0.9999)]
X = [-math.log10(1.0 - p) for _, _, p in PERCENTILES]
BATCHED = ("p50", "p90", "p99")  # what a batched histogram is read for


def line_handles(series):
    handles = []
    for s in series:
        handles.append(Line2D([], [], color=s.color, linestyle=s.linestyle,
                              marker="" if s.failed else "o", markersize=4,
                              alpha=0.5 if s.failed else 1.0, label=wrap_label(s.legend_label)))
    return handles


def latency_handles(series, batched, step):
    """line_handles plus what the line styles and the dotted step line mean."""
    handles = line_handles(series)
    handles.append(Line2D([], [], color="black", marker="o", markersize=3.5,
                          label="solid: single operation"))
    if batched:
        handles.append(Line2D([], [], color="black", linestyle="--", marker="s", markersize=3.5,
                              label=wrap_label(f"dashed: batched, per operation (B = {batched})")))
    if step:
        handles.append(Line2D([], [], color="#888888", linestyle=":",
                              label=wrap_label(f"timer step ({step:.1f} ns): single-operation "
                                               "values below a few steps are coarse")))
    return handles


def _curve(latency, keys):
    if not isinstance(latency, dict):
        return []
    points = [(x, num(latency.get(key))) for x, (key, _, _) in zip(X, PERCENTILES) if key in keys]
    return [(x, y) for x, y in points if y is not None and y > 0]


def latency_chart(results):
    reports = results.reports
    title = "Latency per operation: single (solid) and batched (dashed); lower is better"
    groups = results.groups
    if not groups:
        return note_figure(reports, title, "No results in the report.")
    ncols = min(3, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = new_figure(reports, title, 4.2 * ncols + 2.8, 3.2 * nrows, nrows, ncols)
    steps = [num((r.machine.get("timer") or {}).get("resolution_ns")) for r in reports]
    step = next((s for s in steps if s), None)
    batch_sizes = set()
    for ax, group in zip(axes, groups):
        drawn = False
        for s in results.series:
            result = results.get(s, *group)
            if result is None:
                continue
            points = _curve(result["latency_ns"], [k for k, _, _ in PERCENTILES])
            if points:
                drawn = True
                ax.plot([p[0] for p in points], [p[1] for p in points], color=s.color,
                        linestyle=s.linestyle, marker="o", markersize=3.5, linewidth=1.3)
            batched = result.get("latency_batched_ns")
            points = _curve(batched, BATCHED)
            if points:
                drawn = True
                batch_sizes.add(batched.get("batch"))
                ax.plot([p[0] for p in points], [p[1] for p in points], color=s.color,
                        linestyle="--", marker="s", markersize=3, linewidth=1.0, alpha=0.85)
        if drawn and step:
            ax.axhline(step, color="#888888", linestyle=":", linewidth=0.9)
        ax.set_title(group_label(*group), fontsize=9)
        ax.set_xticks(X)
        ax.set_xticklabels([label for _, label, _ in PERCENTILES], fontsize=8)
        ax.set_xlim(X[0] - 0.2, X[-1] + 0.2)
        ax.set_xlabel("percentile", fontsize=8)
        ax.set_ylabel("latency (ns, log scale)", fontsize=8)
        ax.grid(alpha=0.3, which="both")
        if drawn:
            log_axis(ax)
        else:
            ax.text(0.5, 0.5, "no latency data", ha="center", va="center",
                    transform=ax.transAxes, color="#888888")
    for ax in axes[len(groups):]:
        ax.set_axis_off()
    batch = ", ".join(str(b) for b in sorted(batch_sizes, key=str)) if batch_sizes else None
    axes[ncols - 1].legend(handles=latency_handles(results.series, batch, step), loc="upper left",
                           bbox_to_anchor=(1.02, 1.0), fontsize=8, title="backend",
                           title_fontsize=8, frameon=False)
    return fig
