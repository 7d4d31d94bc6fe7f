"""The look shared by every chart: figure with title and machine footer, grouped bars that
mark missing values instead of drawing zeros, legends that name failed backends, PNG bytes."""

import io
import textwrap

import matplotlib

matplotlib.use("Agg")  # headless: no display on CI or the benchmark machines
# Every text drawn comes from a report (backend names, errors, parameters): "$...$" in it is
# literal text, never mathtext (which renders "a$x^{2}$b" as maths and raises on "cost $5").
matplotlib.rcParams["text.parse_math"] = False

from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

FOOTER_LINE_IN = 0.17
WIDE_RANGE = 100.0  # max/min above this switches a value axis to log


def new_figure(reports, title, width, height, nrows=1, ncols=1, **subplot_kw):
    """A figure with a bold title and a footer naming each report's machine and date."""
    if len(reports) == 1 or all(r.label == r.generated_at for r in reports):
        lines = [r.footer() for r in reports]
    else:
        lines = [f"{r.label}: {r.footer()}" for r in reports]
    footer_in = FOOTER_LINE_IN * len(lines) + 0.12
    engine = ConstrainedLayoutEngine(rect=(0, footer_in / height, 1, 1 - footer_in / height))
    fig = Figure(figsize=(width, height + footer_in), layout=engine)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    fig.text(0.01, 0.008, "\n".join(lines), fontsize=7.5, color="#444444", ha="left",
             va="bottom")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, [ax for row in axes for ax in row]


def note_figure(reports, title, message):
    """A chart that could not be drawn still exists and says why, in words."""
    fig, (ax,) = new_figure(reports, title, 8, 3.2)
    ax.set_axis_off()
    ax.text(0.5, 0.5, textwrap.fill(message, 90), ha="center", va="center", fontsize=10,
            transform=ax.transAxes,
            bbox=dict(boxstyle="round", facecolor="#fff4e0", edgecolor="#d08c00"))
    return fig


def wrap_label(text, width=48):
    return textwrap.fill(text, width)


def series_handles(series):
    """Legend patches; a failed backend is an empty box labelled with its error."""
    handles = []
    for s in series:
        face = "white" if s.failed else s.color
        handles.append(Patch(facecolor=face, edgecolor=s.color, hatch=s.hatch,
                             label=wrap_label(s.legend_label)))
    return handles


def outside_legend(ax, handles, title=None):
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title=title, title_fontsize=8, frameon=False)


def _plain(value, _position=None):
    return f"{value:g}"


def log_axis(ax, axis="y"):
    """Log scale labelled with plain numbers; over a narrow range the in-between ticks are
    labelled too, so a panel spanning less than a decade still has numbers on it."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    target.set_major_formatter(FuncFormatter(_plain))
    narrow = low > 0 and high / low < 30
    target.set_minor_formatter(FuncFormatter(_plain) if narrow else NullFormatter())


def wide_range(values):
    positive = [v for v in values if v is not None and v > 0]
    return (len(positive) == len([v for v in values if v is not None]) and len(positive) > 1
            and max(positive) / min(positive) > WIDE_RANGE)


def slot_x(group_index, series_index, count):
    """Centre of one series' bar inside a group of `count` slots."""
    width = 0.8 / max(count, 1)
    return group_index - 0.4 + width * (series_index + 0.5), width


NOISY_HATCH = "xxx"


def noisy_handle():
    """Legend entry for the hatching of noisy results."""
    return Patch(facecolor="white", edgecolor="#555555", hatch=NOISY_HATCH,
                 label="hatched: noisy (CV over the run's noise threshold)")


def not_comparable_handle():
    """Legend entry for the rows the report marks not comparable."""
    return Patch(facecolor="#dddddd", edgecolor="#999999", linestyle="--",
                 label="faded, 'n/c': not comparable (frees are no-ops here; see the report)")


def grouped_bars(ax, groups, series, value_of, group_labels, noisy_of=None,
                 not_comparable_of=None):
    """Bars per group, one slot per series. value_of(series, group) gives (value, low, high)
    with None for unknown parts; an unknown value leaves its slot empty with a small mark
    ("failed" or "n/a") rather than a zero-height bar. noisy_of(series, group) true draws the
    bar cross-hatched and paler (the report flagged it noisy); not_comparable_of(series, group)
    true draws it faded with a dashed edge and 'n/c' above it. Returns the values drawn."""
    drawn = []
    marker_transform = ax.get_xaxis_transform()
    for g_index, group in enumerate(groups):
        for s_index, s in enumerate(series):
            x, width = slot_x(g_index, s_index, len(series))
            value, low, high = value_of(s, group)
            if value is None:
                ax.text(x, 0.01, "failed" if s.failed else "n/a", rotation=90, ha="center",
                        va="bottom", fontsize=6, color="#888888", transform=marker_transform)
                continue
            drawn.append(value)
            yerr = None
            if low is not None and high is not None:
                yerr = [[max(value - low, 0.0)], [max(high - value, 0.0)]]
                drawn.extend([low, high])
            noisy = bool(noisy_of and noisy_of(s, group))
            apart = bool(not_comparable_of and not_comparable_of(s, group))
            ax.bar(x, value, width * 0.92, color=s.color, hatch=s.hatch + (NOISY_HATCH if noisy
                                                                            else ""),
                   alpha=0.25 if apart else 0.55 if noisy else 1.0, edgecolor="black",
                   linestyle="--" if apart else "-", linewidth=0.4, yerr=yerr, capsize=2,
                   error_kw={"elinewidth": 0.8})
            if apart:
                ax.annotate("n/c", (x, value), xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=6, color="#555555")
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(group_labels, rotation=30 if len(groups) > 3 else 0, ha="right"
                       if len(groups) > 3 else "center", fontsize=8)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return drawn


def bars_width(groups, series):
    """Figure width that keeps bars and their group labels legible."""
    return min(max(8.0, 3.5 + len(groups) * (0.22 * max(len(series), 1) + 0.35)), 28.0)


def render(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
