"""The readable report: machine, configuration, backends, per-scenario tables, cache and
micro tables, how each number was measured, and the charts."""

import json
import os

from .cache import SOURCES, format_geometry
from .micro import micro_rows
from .model import ci95, group_label, is_noisy, not_comparable, ops
from .noise import noise_text
from .open_loop import markdown_section as open_loop_section
from .provenance import header_lines
from .report import first_line, num


def cell(value):
    """A table cell: one line, pipes escaped."""
    text = "n/a" if value is None else str(value)
    return " ".join(text.split()).replace("|", "\\|")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def si(value, unit=""):
    if value is None:
        return None
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}".strip()
    return f"{value:.3g} {unit}".strip()


def size(value):
    if value is None:
        return None
    for scale, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if value >= scale:
            return f"{value / scale:.1f} {name}"
    return f"{value:.0f} B"


def plain(value, digits=3):
    """Numbers as people read them: 3 significant digits, no exponent below 1e6."""
    value = num(value)
    if value is None:
        return None
    if value == 0 or 1e-3 <= abs(value) < 10 ** digits:
        return f"{value:.{digits}g}"
    if abs(value) < 1e6:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def status(entry):
    if entry.get("status") == "failed":
        return "failed: " + first_line(entry.get("error"), 200)
    return entry.get("status")


def timer_text(timer):
    text = f"{timer.get('source')}, empty-pair overhead {fmt_ns(timer.get('overhead_ns'))} ns"
    if timer.get("resolution_ns") is not None:
        text += (f", resolution {fmt_ns(timer.get('resolution_ns'))} ns (single-operation "
                 "latencies are multiples of it)")
    return text


def fmt_ns(value):
    return f"{value:.1f}" if isinstance(value, (int, float)) else "n/a"


def machine_section(report):
    m = report.machine
    timer = m.get("timer") or {}
    hw = m.get("hw_counters") or {}
    rows = [("CPU", m.get("cpu_model")), ("cores", m.get("cores")),
            ("kernel", m.get("kernel")), ("compiler", m.get("compiler")),
            ("flags", m.get("flags")), ("TSC (GHz)", m.get("tsc_ghz")),
            ("timer", timer_text(timer) if timer else None),
            ("hardware counters", "available" if hw.get("available") else
             f"unavailable: {hw.get('reason')}" if hw else None)]
    for c in m.get("caches") or []:
        if isinstance(c, dict):
            rows.append((f"L{c.get('level')} {c.get('type')} cache",
                         f"{size(num(c.get('size_bytes')))}, {c.get('ways')}-way, "
                         f"{c.get('line_bytes')} B lines"))
    return "### Machine\n\n" + table(["", "value"], rows)


def config_section(report):
    rows = [(key, ", ".join(map(str, value)) if isinstance(value, list) else
             json.dumps(value) if isinstance(value, (bool, dict)) or value is None else value)
            for key, value in report.config.items()]
    return "### Configuration\n\n" + table(["setting", "value"], rows)


def backends_section(report):
    rows = [(b["name"], b.get("library"), b.get("version"), b.get("malloc_provider"),
             status(b), b.get("reserved_meaning") or "not recorded") for b in report.backends]
    return "### Backends\n\n" + table(["backend", "library", "version", "malloc provider",
                                       "status", "reserved means"], rows)


def provenance_section(report):
    p = report.data.get("provenance")
    if not isinstance(p, dict):
        return ("### Provenance\n\nnot recorded (a report from before allocbench recorded its "
                "version, commit and command line)")
    dirty = p.get("dirty")
    rows = [("allocbench version", p.get("version")),
            ("commit", f"{p.get('commit')}" + (" (dirty: tracked files differed)" if dirty is True
                                               else " (clean)" if dirty is False
                                               else f" (dirty: {dirty})")),
            ("command", f"`{p.get('command')}`" if p.get("command") else None),
            ("working directory", p.get("cwd")),
            ("build type", p.get("build_type")), ("compiler", p.get("compiler")),
            ("compiler flags", p.get("compiler_flags"))]
    return "### Provenance\n\n" + table(["", "value"], rows)


def backend_config_section(report):
    """What each backend really ran with per parameter set (a slab is sized per set), and
    what frame_size_bytes is."""
    rows = []
    for r in report.results:
        c = r.get("backend_config")
        if not isinstance(c, dict):
            continue
        rows.append((r["backend"], group_label(r["scenario"], r["params"]),
                     plain(r.get("frame_size_bytes")), plain(c.get("slot_size_bytes")),
                     plain(c.get("capacity_slots")) if c.get("is_slab") else "— (not a slab)",
                     plain(c.get("chunks")) if c.get("is_slab") else None))
    notes = report.data.get("notes") or {}
    text = "### Backend configuration per parameter set\n\n"
    if notes.get("frame_size_bytes"):
        text += f"frame_size_bytes: {notes['frame_size_bytes']}.\n\n"
    if notes.get("backend_config"):
        text += f"Configuration: {notes['backend_config']}.\n\n"
    if not rows:
        return text + "not recorded (a report from before allocbench recorded it)"
    return text + table(["backend", "scenario", "frame_size_bytes", "slot size (bytes)",
                         "capacity (slots)", "chunks"], rows)


# A single-operation latency within this many timer steps is only known to the step.
FEW_STEPS = 10


def single_op(value, step):
    """'~40 (4 steps)' for a value of a few timer steps, else the number."""
    value = num(value)
    if value is None or not step or value >= FEW_STEPS * step:
        return plain(value)
    steps = round(value / step)
    if steps == 0:
        return "<1 step"  # below one step once the timing pair's cost is subtracted
    return f"~{steps * step:.0f} ({steps} step{'' if steps == 1 else 's'})"


def spread_text(result, median, low, high):
    """median [95 % CI] where the report has one, else [min–max] (marked as a range)."""
    if median is None:
        return None
    ci = ci95(result)
    if ci:
        return f"{si(median)} [{si(ci[0])}–{si(ci[1])}]"
    return f"{si(median)} [range {si(low)}–{si(high)}]"


def name_text(name, result):
    """The backend's name, marked on a row the report says is not comparable."""
    return name + (" (n/c)" if not_comparable(result) else "")


def cv_text(result):
    cv = num(result["throughput"]["ops_per_sec"].get("cv"))
    if cv is None:
        return None
    return f"{100 * cv:.1f} %" + (" **noisy**" if is_noisy(result) else "")


def bytes_pair(memory):
    """'288.0 KiB / 628.0 KiB'; n/a where the scenario noted neither (the floor)."""
    requested, reserved = num(memory.get("requested_bytes")), num(memory.get("reserved_bytes"))
    if not requested and reserved is None:
        return None
    return f"{size(requested) or 'n/a'} / {size(reserved) or 'n/a'}"


def scenario_tables(results, index):
    series = results.series_of(index)
    step = num((results.reports[index].machine.get("timer") or {}).get("resolution_ns"))
    system = next((s for s in series if s.name == "system"), None)
    parts = ["### Results per scenario"]
    for group in results.groups:
        rows, measured = [], False
        base = ops(results.get(system, *group))[0] if system else None
        for s in series:
            result = results.get(s, *group)
            if result is None:
                if s.failed:
                    rows.append((s.name, f"failed: {s.error}") + (None,) * 12)
                continue
            measured = True
            median, low, high = ops(result)
            latency, memory = result["latency_ns"], result["memory"]
            batched = result.get("latency_batched_ns") or {}
            ratio = f"{median / base:.2f}×" if median is not None and base else None
            rows.append((name_text(s.name, result) + (" (failed)" if s.failed else ""),
                         spread_text(result, median, low, high), cv_text(result), ratio)
                        + tuple(plain(batched.get(k)) for k in ("p50", "p90", "p99"))
                        + tuple(single_op(latency.get(k), step) for k in ("p99", "p999", "p9999"))
                        + (plain(result.get("allocations_per_op")),
                           size(num(memory.get("peak_rss_bytes"))),
                           bytes_pair(memory)))
        if measured:
            parts.append(f"#### {group_label(*group)}\n\n" + table(
                ["backend", "ops/s median [95 % CI]", "CV", "ratio to system",
                 "batched p50 (ns)", "batched p90 (ns)", "batched p99 (ns)", "1-op p99 (ns)",
                 "1-op p99.9 (ns)", "1-op p99.99 (ns)", "allocations/op", "peak RSS",
                 "requested / reserved"], rows))
    if len(parts) == 1:
        parts.append("No results in this report.")
    return "\n\n".join(parts)


def cache_section(results, index):
    report = results.reports[index]
    sources = {r["cache"]["source"] for r in report.results}
    measured = [s for s in SOURCES if s in sources]
    if not measured:
        reasons = sorted({str(r["cache"].get("reason") or "no reason recorded")
                          for r in report.results})
        return "### Cache\n\nCache misses: unavailable (" + "; ".join(reasons) + ")."
    parts = ["### Cache"]
    for source in measured:
        description, metrics = SOURCES[source]
        rows, geometry = [], []
        for s in results.series_of(index):
            for group in results.groups:
                result = results.get(s, *group)
                if result is None or result["cache"]["source"] != source:
                    continue
                cache = result["cache"]
                rows.append([name_text(s.name, result), group_label(*group)] +
                            [plain(cache.get(key), 4) for key, _ in metrics])
                if "geometry" in cache and format_geometry(cache["geometry"]) not in geometry:
                    geometry.append(format_geometry(cache["geometry"]))
        text = f"Source: {description}."
        if geometry:
            text += " Simulated geometry: " + " | ".join(geometry) + "."
        parts.append(text + "\n\n" + table(["backend", "scenario"] +
                                           [label for _, label in metrics], rows))
    return "\n\n".join(parts)


def micro_section(results, index):
    rows = []
    for s in results.series_of(index):
        for name, value, unit in micro_rows(s.report, s.name):
            rows.append((s.name, name, plain(value, 4), unit))
    if not rows:
        return None
    return "### Micro benchmarks\n\n" + table(["backend", "benchmark", "real_time median",
                                                "unit"], rows)


METHOD = """\
## Method

- **Runs.** Each backend, scenario and parameter set runs in a fresh worker process
  (`allocbench-worker-<backend>`), once per repetition (`config.repetitions`), in an order
  that rotates between repetitions (`config.backend_order`, `config.grid_order`); the driver
  only merges what the workers print. (Reports from before this rule ran every parameter set
  of a backend in one process.)
- **Throughput** is operations per second of each scenario's timed region, one sample per
  repetition (one process). Tables show the median with its 95 % confidence interval from
  order statistics (distribution-free, exact binomial coverage; below 6 repetitions no
  interval reaches 95 % and the min–max range is shown, marked "range") and the coefficient of
  variation over repetitions; a result whose CV exceeds the run's noise threshold
  (`config.noise_threshold_pct`) is **noisy** (hatched in the charts). Chart error bars are
  min–max. The ratio divides by the `system` backend's median in the same report. Cost per
  operation in the scaling charts is 1e9 / median ops/s, in ns.
- **Latency** comes in two forms, from log-linear histograms, timed with the timer named under
  Machine, whose overhead is measured and subtracted; the report also gives them in cycles.
  *Batched* (p50/p90/p99): one timing pair around B operations (`latency_batched_ns.batch`),
  the time divided by B: resolves operations far below the timer's step, but each sample is a
  mean of B operations, so a rare slow one is averaged away. *Single-operation* (1-op
  p99/p99.9/p99.99): each operation timed alone, the only view of rare slow operations, in
  steps of the timer's resolution: a value within 10 steps is shown as "~40 (4 steps)".
  Each scenario names what one timed operation is (`latency_of`).
- **Memory.** Peak RSS is the worker process's peak resident set; reserved bytes are what
  the backend holds, in its own terms (the Backends table says what each one counts: a slab's
  slots, glibc's arenas process-wide, mimalloc's committed segments...), requested bytes what
  the frames asked for, both at the scenario's peak live set.
- **Noise.** The floor scenario runs the same freelist loop in every backend's worker; the
  spread of its throughput across backends and across repetitions is the run's noise level
  (the line at the top of this page, the note on the throughput charts). A ratio within it is
  not a finding.
  Allocations/op counts calls into the global allocator inside the timed region.
- **Cache** figures are per operation, from one source at a time: hardware counters via
  `perf_event_open` (`hw`), or valgrind's callgrind cache simulation with the fixed geometry
  shown (`callgrind`). Where neither could measure, the report says `unavailable` with the
  reason, and so does this page; no value is shown as zero.
- **(n/c)**, not comparable: a backend whose frees are no-ops (`pmr_monotonic`) on a
  scenario that frees frames and spawns again: every spawn takes new memory (a pointer bump
  plus first-touch page faults) and its memory grows with the operation count (`not_comparable` in the report says so per row). Its bars
  are faded and marked "n/c".
- A failed backend keeps its row, marked with the first line of its error; its missing
  values are left out, not drawn as zero."""


def render(results, md_path, charts):
    """charts: [(title, file path)] in the order to show them."""
    reports = results.reports
    lines = ["# allocbench report", ""]
    sources = ", ".join(f"`{r.path}` ({r.generated_at})" for r in reports)
    lines += [f"Generated from {sources}.", ""]
    # The run's noise first: every ratio below is read against it.
    for report in reports:
        prefix = f"{report.label}: " if len(reports) > 1 else ""
        lines += [f"**{prefix}{noise_text(report)}**", ""]
    if len(reports) > 1:
        lines += ["What differs between the reports besides their results:", "", "```"]
        lines += header_lines(reports) + ["```", ""]
    for index, report in enumerate(reports):
        if len(reports) > 1:
            lines += [f"## Report {report.label}", ""]
        else:
            lines += ["## Run", ""]
        from .targets import targets_section  # imports this module's table()

        sections = [provenance_section(report), machine_section(report), config_section(report),
                    backends_section(report), backend_config_section(report),
                    targets_section(report), scenario_tables(results, index),
                    open_loop_section(results, index, table), cache_section(results, index),
                    micro_section(results, index)]
        lines += [s + "\n" for s in sections if s]
    lines += [METHOD, "", "## Charts", ""]
    base = os.path.dirname(os.path.abspath(md_path))
    for title, path in charts:
        rel = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
        lines += [f"### {title}", "", f"![{title}]({rel})", ""]
    return "\n".join(lines)
