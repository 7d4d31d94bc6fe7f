"""Throughput charts: ratio to the system backend, and absolute ops/s."""

from matplotlib.ticker import EngFormatter

from .figure import bars_width, grouped_bars, new_figure, note_figure, outside_legend, \
    log_axis, noisy_handle, not_comparable_handle, series_handles, wide_range
from .model import group_label, is_noisy, not_comparable, ops
from .noise import level, noise_text


def _noisy(results):
    return lambda s, g: is_noisy(results.get(s, *g))


def _apart(results):
    return lambda s, g: not_comparable(results.get(s, *g)) is not None


def _handles(results):
    handles = series_handles(results.series)
    if any(is_noisy(r) for report in results.reports for r in report.results):
        handles.append(noisy_handle())
    if any(not_comparable(r) for report in results.reports for r in report.results):
        handles.append(not_comparable_handle())
    return handles

BASELINE = "system"


def _noise_note(ax, results, band=False):
    """Each report's noise line on the chart; on the ratio chart also dotted lines at 1 ± noise
    (the largest of the reports'): a bar ending between them is not a finding."""
    lines = [(f"{r.label}: " if len(results.reports) > 1 else "") + noise_text(r)
             for r in results.reports]
    ax.text(0.005, 0.99, "\n".join(lines), transform=ax.transAxes, ha="left", va="top",
            fontsize=7, color="#444444",
            bbox=dict(boxstyle="round", facecolor="white", edgecolor="#bbbbbb", alpha=0.85))
    levels = [v for v in (level(r) for r in results.reports) if v is not None]
    if band and levels:
        width = max(levels)
        # Lines, not a patch: the bars are the axes' only patches.
        for y in (1 / (1 + width), 1 + width):
            ax.axhline(y, color="#888888", linewidth=0.8, linestyle=":", zorder=0)


def _baseline(results, s, group):
    """The same report's system median for this group, or None."""
    for other in results.series_of(s.report_index):
        if other.name == BASELINE:
            return ops(results.get(other, *group))[0]
    return None


def ratio_chart(results):
    reports = results.reports
    title = "Throughput relative to system (higher is better)"
    if not results.groups:
        return note_figure(reports, title, "No results in the report.")
    if not any(_baseline(results, s, g) for s in results.series for g in results.groups):
        return note_figure(reports, title,
                           "Unavailable: no 'system' backend result to compare against "
                           "(it was not run or it failed).")

    def value_of(s, group):
        base = _baseline(results, s, group)
        median, low, high = ops(results.get(s, *group))
        if not base or median is None:
            return (None, None, None)
        return (median / base, low / base if low else None, high / base if high else None)

    groups = results.groups
    fig, (ax,) = new_figure(reports, title, bars_width(groups, results.series), 4.8)
    drawn = grouped_bars(ax, groups, results.series, value_of,
                         [group_label(*g) for g in groups], _noisy(results), _apart(results))
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    if wide_range(drawn):
        log_axis(ax)
    _noise_note(ax, results, band=True)
    ax.set_ylabel("ops/s ÷ system ops/s (×; median, bars min–max)")
    outside_legend(ax, _handles(results), "backend")
    return fig


def absolute_chart(results):
    reports = results.reports
    title = "Throughput (operations per second)"
    if not results.groups:
        return note_figure(reports, title, "No results in the report.")
    groups = results.groups
    fig, (ax,) = new_figure(reports, title, bars_width(groups, results.series), 4.8)
    drawn = grouped_bars(ax, groups, results.series,
                         lambda s, g: ops(results.get(s, *g)),
                         [group_label(*g) for g in groups], _noisy(results), _apart(results))
    if wide_range(drawn):
        log_axis(ax)
        ax.set_ylabel("ops/s, log scale (median, bars min–max)")
    else:
        ax.set_ylabel("ops/s (median, bars min–max)")
    ax.yaxis.set_major_formatter(EngFormatter())  # 120 M rather than an 1e8 offset
    _noise_note(ax, results)
    outside_legend(ax, _handles(results), "backend")
    return fig
