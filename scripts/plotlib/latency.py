"""Tail latency: percentile curves per backend, one panel per scenario and parameter set."""

import math

from matplotlib.lines import Line2D

from .figure import log_axis, new_figure, note_figure, wrap_label
from .model import group_label
from .report import num

# (key in latency_ns, tick label, p); x is -log10(1 - p) so each extra nine is one step.
PERCENTILES = [("p50", "p50", 0.5), ("p90", "p90", 0.9), ("p99", "p99", 0.99),
               ("p999", "p99.9", 0.999), ("p9999", "p99.99", 0.9999)]
X = [-math.log10(1.0 - p) for _, _, p in PERCENTILES]


def line_handles(series):
    handles = []
    for s in series:
        handles.append(Line2D([], [], color=s.color, linestyle=s.linestyle,
                              marker="" if s.failed else "o", markersize=4,
                              alpha=0.5 if s.failed else 1.0, label=wrap_label(s.legend_label)))
    return handles


def latency_chart(results):
    reports = results.reports
    title = "Tail latency per operation (lower is better)"
    groups = results.groups
    if not groups:
        return note_figure(reports, title, "No results in the report.")
    ncols = min(3, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    fig, axes = new_figure(reports, title, 4.2 * ncols + 2.8, 3.2 * nrows, nrows, ncols)
    for ax, group in zip(axes, groups):
        drawn = False
        for s in results.series:
            result = results.get(s, *group)
            if result is None:
                continue
            latency = result["latency_ns"]
            points = [(x, num(latency.get(key))) for x, (key, _, _) in zip(X, PERCENTILES)]
            points = [(x, y) for x, y in points if y is not None and y > 0]
            if points:
                drawn = True
                ax.plot([p[0] for p in points], [p[1] for p in points], color=s.color,
                        linestyle=s.linestyle, marker="o", markersize=3.5, linewidth=1.3)
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
    axes[ncols - 1].legend(handles=line_handles(results.series), loc="upper left",
                           bbox_to_anchor=(1.02, 1.0), fontsize=8, title="backend",
                           title_fontsize=8, frameon=False)
    return fig
