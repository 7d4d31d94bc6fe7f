"""Memory: peak RSS, and bytes reserved vs requested, for the scenarios that hold many frames."""

import textwrap

from matplotlib.lines import Line2D

from .figure import bars_width, grouped_bars, new_figure, note_figure, outside_legend, \
    log_axis, not_comparable_handle, series_handles, slot_x, wide_range
from .model import group_label, not_comparable
from .report import num

SCENARIOS = ("mixed_lifetime", "spawn_burst")
UNITS = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"), (1, "bytes")]


def unit_for(values):
    largest = max((v for v in values if v is not None), default=0)
    for scale, name in UNITS:
        if largest >= scale:
            return scale, name
    return 1, "bytes"


def memory_chart(results):
    reports = results.reports
    title = "Memory: peak RSS and bytes reserved vs requested (mixed_lifetime, spawn_burst)"
    groups = results.groups_for(SCENARIOS)
    if not groups:
        return note_figure(reports, title, "No mixed_lifetime or spawn_burst results in the "
                                           "report.")
    series = results.series
    labels = [group_label(*g) for g in groups]

    def apart(s, group):
        return not_comparable(results.get(s, *group)) is not None

    def field(key):
        def read(s, group):
            result = results.get(s, *group)
            return None if result is None else num(result["memory"].get(key))
        return read

    rss, reserved, requested = field("peak_rss_bytes"), field("reserved_bytes"), \
        field("requested_bytes")
    fig, (ax_rss, ax_res, ax_note) = new_figure(
        reports, title, max(10.0, bars_width(groups, series)), 8.4, 3, 1,
        gridspec_kw={"height_ratios": [3, 3, 2]})
    ax_rss.sharex(ax_res)

    scale, unit = unit_for([rss(s, g) for s in series for g in groups])
    drawn = grouped_bars(ax_rss, groups, series,
                         lambda s, g: ((rss(s, g) / scale) if rss(s, g) is not None else None,
                                       None, None), labels, not_comparable_of=apart)
    ax_rss.set_ylabel(f"peak RSS ({unit})", fontsize=8)
    ax_rss.tick_params(labelbottom=False)
    if wide_range(drawn):
        log_axis(ax_rss)

    scale, unit = unit_for([reserved(s, g) for s in series for g in groups] +
                           [requested(s, g) for s in series for g in groups])

    def scaled(read):
        return lambda s, g: (read(s, g) / scale) if read(s, g) is not None else None

    drawn = grouped_bars(ax_res, groups, series, lambda s, g: (scaled(reserved)(s, g), None,
                                                               None), labels,
                         not_comparable_of=apart)
    # Requested bytes: a black bar-wide tick over each reserved bar, so the gap is the overhead.
    for g_index, group in enumerate(groups):
        for s_index, s in enumerate(series):
            value = scaled(requested)(s, group)
            if value is not None:
                x, width = slot_x(g_index, s_index, len(series))
                ax_res.hlines(value, x - width * 0.46, x + width * 0.46, colors="black",
                              linewidth=2.0)
                drawn.append(value)
    ax_res.set_ylabel(f"reserved ({unit}; bar) vs requested (black line)", fontsize=8)
    if wide_range(drawn):
        log_axis(ax_res)
    handles = series_handles(series) + [Line2D([], [], color="black", linewidth=2.0,
                                               label="requested bytes")]
    if any(apart(s, g) for s in series for g in groups):
        handles.append(not_comparable_handle())
    outside_legend(ax_rss, handles, "backend")
    # "Reserved" is each allocator's own figure and means different things (a slab's slots,
    # glibc's arenas process-wide, mimalloc's committed segments): say which, per backend.
    meanings = []
    for s in series:
        entry = s.report.backend(s.name) or {}
        meaning = entry.get("reserved_meaning") or "not recorded in this report"
        if (s.label, meaning) not in meanings:
            meanings.append((s.label, meaning))
    ax_note.set_axis_off()
    ax_note.text(0, 1, "reserved means, per backend:\n" + "\n".join(
        textwrap.shorten(f"{label}: {meaning}", 190) for label, meaning in meanings),
        transform=ax_note.transAxes, ha="left", va="top", fontsize=7, color="#333333")
    return fig
