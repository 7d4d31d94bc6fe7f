"""Turns reports into what charts draw: series (a backend in a report) and groups
(a scenario with one parameter set), with stable colours and labels."""

import json

from .report import clip, first_line, num

# One colour per backend name, the same in every chart; hatches tell reports apart.
PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860",
           "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo"]
LINESTYLES = ["-", "--", ":", "-."]


class Series:
    """One backend as run in one report."""

    def __init__(self, report, report_index, name, color, multi):
        entry = report.backend(name)
        self.report = report
        self.report_index = report_index
        self.name = name
        self.failed = entry.get("status") == "failed"
        self.error = first_line(entry.get("error")) if self.failed else None
        self.label = f"{name} [{report.label}]" if multi else name
        self.color = color
        self.hatch = HATCHES[report_index % len(HATCHES)]
        self.linestyle = LINESTYLES[report_index % len(LINESTYLES)]

    @property
    def legend_label(self):
        return f"{self.label} (failed: {self.error})" if self.failed else self.label


def params_key(params):
    return json.dumps(params, sort_keys=True)


# How many operations a run did is not what distinguishes workloads: left out of labels.
RUN_SIZE_PARAMS = ("ops", "samples")


def params_label(params):
    return clip(" ".join(f"{k}={v}" for k, v in params.items() if k not in RUN_SIZE_PARAMS),
                160)


def group_label(scenario, params):
    text = params_label(params)
    return f"{scenario} {text}" if text else scenario


def _value_key(value):
    number = num(value)
    return (0, number, "") if number is not None else (1, 0.0, str(value))


def build_series(reports):
    """Backends in the order they first appear; in each report only those it lists."""
    order = []
    for report in reports:
        for entry in report.backends:
            if entry["name"] not in order:
                order.append(entry["name"])
    colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(order)}
    multi = len(reports) > 1
    series = []
    for name in order:
        for index, report in enumerate(reports):
            if report.backend(name) is not None:
                series.append(Series(report, index, name, colors[name], multi))
    return series


class Results:
    """Finds a result by (report, backend, scenario, params) and lists the groups present."""

    def __init__(self, reports):
        self.reports = reports
        self.series = build_series(reports)
        self._index = {}
        scenario_order = []
        for report in reports:
            for name in report.config.get("scenarios") or []:
                if isinstance(name, str) and name not in scenario_order:
                    scenario_order.append(name)
        groups = {}
        for index, report in enumerate(reports):
            for result in report.results:
                scenario, params = result["scenario"], result["params"]
                key = (scenario, params_key(params))
                self._index[(index, result["backend"]) + key] = result
                groups.setdefault(key, (scenario, params))
                if scenario not in scenario_order:
                    scenario_order.append(scenario)

        def order(item):
            scenario, params = item
            return (scenario_order.index(scenario),
                    [(k, _value_key(v)) for k, v in sorted(params.items())])

        self.groups = sorted(groups.values(), key=order)

    def get(self, series, scenario, params):
        return self._index.get((series.report_index, series.name, scenario, params_key(params)))

    def groups_for(self, scenarios):
        return [g for g in self.groups if g[0] in scenarios]

    def series_of(self, report_index):
        return [s for s in self.series if s.report_index == report_index]


def ops(result):
    """(median, min, max) ops/s of a result; any of them None when not measured."""
    if result is None:
        return (None, None, None)
    stats = result["throughput"]["ops_per_sec"]
    return (num(stats.get("median")), num(stats.get("min")), num(stats.get("max")))


def ci95(result):
    """(low, high) of the median's 95 % CI from the report, or None (older reports, or too few
    repetitions: the report says why)."""
    if result is None:
        return None
    ci = result["throughput"]["ops_per_sec"].get("ci95")
    if isinstance(ci, dict) and num(ci.get("low")) is not None and num(ci.get("high")) is not None:
        return (num(ci["low"]), num(ci["high"]))
    return None


def is_noisy(result):
    """The report's own flag (CV above the run's --noise-threshold); never recomputed here."""
    return result is not None and result.get("noisy") is True


def not_comparable(result):
    """The report's reason why this row must not be compared with the others (a backend whose
    frees are no-ops on a scenario that reuses freed frames), or None."""
    reason = None if result is None else result.get("not_comparable")
    return reason if isinstance(reason, str) else None


def ns_per_op(ops_per_sec):
    return 1e9 / ops_per_sec if ops_per_sec else None


def threads_of(result, report):
    """A result's thread count: its params say so when it varies, else the run's config."""
    value = num(result["params"].get("threads"))
    if value is None:
        value = num(report.config.get("threads"))
    return int(value) if value is not None else 1
