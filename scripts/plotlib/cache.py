"""Cache misses and instructions per operation, from one source at a time (hw or callgrind)."""

import textwrap

from .figure import bars_width, grouped_bars, new_figure, note_figure, outside_legend, \
    log_axis, series_handles, wide_range
from .model import group_label
from .report import num

SOURCES = {
    "hw": ("hardware counters (perf_event_open)",
           [("instructions_per_op", "instructions / op"),
            ("cycles_per_op", "cycles / op"),
            ("l1d_misses_per_op", "L1d misses / op"),
            ("llc_misses_per_op", "LLC misses / op")]),
    "callgrind": ("callgrind cache simulation",
                  [("instructions_per_op", "instructions / op"),
                   ("d1_misses_per_op", "D1 misses / op"),
                   ("ll_misses_per_op", "LL misses / op")]),
}


def sources_present(results):
    """Measured sources in preference order; "unavailable" is not a source."""
    found = {r["cache"]["source"] for report in results.reports for r in report.results}
    return [source for source in SOURCES if source in found]


def unavailable_reasons(results):
    reasons = []
    for report in results.reports:
        for result in report.results:
            cache = result["cache"]
            if cache["source"] not in SOURCES:
                reason = str(cache.get("reason") or "no reason recorded")
                if reason not in reasons:
                    reasons.append(reason)
    return reasons


def format_geometry(geometry):
    """The simulated caches in one line, whatever nesting the worker used."""
    if not isinstance(geometry, dict):
        return str(geometry)
    parts = []
    for key, value in geometry.items():
        if isinstance(value, dict) and {"size_bytes", "ways", "line_bytes"} <= value.keys():
            size = value["size_bytes"]
            size = f"{size // 1024} KiB" if isinstance(size, int) and size >= 1024 else size
            parts.append(f"{key} {size} {value['ways']}-way {value['line_bytes']} B lines")
        elif isinstance(value, dict):
            parts.append(f"{key} " + ", ".join(f"{k}={v}" for k, v in value.items()))
        else:
            parts.append(f"{key}={value}")
    return "; ".join(parts)


def geometries(results):
    found = []
    for report in results.reports:
        for result in report.results:
            cache = result["cache"]
            if cache["source"] == "callgrind" and "geometry" in cache:
                text = format_geometry(cache["geometry"])
                if text not in found:
                    found.append(text)
    return found


def _chart(results, source):
    description, metrics = SOURCES[source]
    title = f"Instructions and cache misses per operation — source: {description}"
    groups = [g for g in results.groups
              if any((r := results.get(s, *g)) is not None and r["cache"]["source"] == source
                     for s in results.series)]
    width = max(10.0, bars_width(groups, results.series))
    fig, axes = new_figure(results.reports, title, width, 2.6 * len(metrics), len(metrics), 1,
                           sharex=True)
    geometry = geometries(results) if source == "callgrind" else []
    if geometry:
        axes[0].set_title(textwrap.fill("simulated geometry: " + " | ".join(geometry),
                                        int(width * 11)), fontsize=8)

    def value_of(key):
        def read(s, group):
            result = results.get(s, *group)
            # Another source's numbers are never put beside these.
            if result is None or result["cache"]["source"] != source:
                return (None, None, None)
            return (num(result["cache"].get(key)), None, None)
        return read

    for ax, (key, label) in zip(axes, metrics):
        drawn = grouped_bars(ax, groups, results.series, value_of(key),
                             [group_label(*g) for g in groups])
        if wide_range(drawn):
            log_axis(ax)
            label += " (log)"
        ax.set_ylabel(label, fontsize=8)
        if ax is not axes[-1]:
            ax.tick_params(labelbottom=False)
    outside_legend(axes[0], series_handles(results.series), "backend")
    return fig


def cache_charts(results):
    """[(file name, figure)]: cache.png always, plus cache_<source>.png for a second source."""
    sources = sources_present(results)
    title = "Instructions and cache misses per operation"
    if not sources:
        reasons = unavailable_reasons(results)
        message = ("Unavailable: " + "; ".join(f'"{r}"' for r in reasons)) if reasons \
            else "Unavailable: the report has no results."
        return [("cache.png", note_figure(results.reports, title, message))]
    charts = [("cache.png", _chart(results, sources[0]))]
    for source in sources[1:]:
        charts.append((f"cache_{source}.png", _chart(results, source)))
    return charts
