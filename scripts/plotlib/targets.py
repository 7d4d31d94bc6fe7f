"""The project's performance targets, checked against one report (never in timed unit tests).

Each target is computed from the report's medians in the same run and shown with its numbers,
so a reader sees how far from (or past) the target a run is, not just a verdict.
"""

from .markdown import table


def _median(result):
    try:
        return float(result["throughput"]["ops_per_sec"]["median"])
    except (KeyError, TypeError, ValueError):
        return None


def _find(results, backend, scenario, **params):
    for r in results:
        if r.get("backend") != backend or r.get("scenario") != scenario:
            continue
        p = r.get("params") or {}
        if all(p.get(k) == v for k, v in params.items()):
            return r
    return None


def _row(name, value, limit, ok, how):
    if value is None:
        return (name, "unavailable", limit, "not measured in this report", how)
    return (name, value, limit, "met" if ok else "missed", how)


def targets_section(report):
    results = report.data.get("results") or []
    rows = []

    floor = _find(results, "bounded", "floor")
    churn = _find(results, "bounded", "spawn_churn", frame=64)
    f, c = (_median(floor) if floor else None), (_median(churn) if churn else None)
    ratio = f / c if f and c else None
    rows.append(_row("bounded spawn_churn (frame=64) cost vs floor",
                     f"{ratio:.2f}x floor's ns/op" if ratio else None, "<= 2x",
                     ratio is not None and ratio <= 2.0,
                     "floor ops/s / spawn_churn ops/s, medians, bounded worker"))

    burst_b = _find(results, "bounded", "spawn_burst", k=1024)
    burst_s = _find(results, "system", "spawn_burst", k=1024)
    b, s = (_median(burst_b) if burst_b else None), (_median(burst_s) if burst_s else None)
    ratio = b / s if b and s else None
    rows.append(_row("bounded spawn_burst (K=1024) throughput vs system",
                     f"{ratio:.2f}x" if ratio else None, ">= 2x",
                     ratio is not None and ratio >= 2.0, "ops/s medians, same run"))

    lat = (churn or {}).get("latency_ns") or {}
    p50, p99 = lat.get("p50"), lat.get("p99")
    ratio = p99 / p50 if isinstance(p50, (int, float)) and p50 > 0 and \
        isinstance(p99, (int, float)) else None
    rows.append(_row("bounded spawn_churn (frame=64) p99 vs p50",
                     f"{ratio:.2f}x ({p50:.0f} / {p99:.0f} ns)" if ratio else None, "<= 3x",
                     ratio is not None and ratio <= 3.0,
                     "merged histogram; see the timer's resolution under Machine"))

    worst = None
    for backend in ("bounded", "unbounded"):
        for scenario in ("spawn_churn", "spawn_burst", "claim_spawn", "chained_spawn"):
            for r in results:
                if r.get("backend") == backend and r.get("scenario") == scenario:
                    v = r.get("allocations_per_op")
                    if isinstance(v, (int, float)):
                        worst = v if worst is None else max(worst, v)
    rows.append(_row("slab backends: global allocations per op (spawn, burst, claim, chain)",
                     f"max {worst:g}" if worst is not None else None, "0",
                     worst == 0, "global operator new calls in the timed region"))

    return "### Targets\n\n" + table(["target", "measured", "target value", "verdict", "how"],
                                     rows)
