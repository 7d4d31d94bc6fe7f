"""The run's noise level from its control, the floor scenario (the same freelist loop in every
backend's worker): the report's own "noise" object, or for older reports the same computation
as harness/report/noise.cpp (the spread of floor across backends and across repetitions)."""

from statistics import median

from .report import num

CONTROL = "floor"


def _computed(report):
    samples = {}
    for result in report.results:
        if result.get("scenario") != CONTROL or result["backend"] in samples:
            continue
        xs = [num(v) for v in result["throughput"]["ops_per_sec"].get("samples") or []]
        xs = [v for v in xs if v is not None and v > 0]
        if xs:
            samples[result["backend"]] = xs
    if not samples:
        return {"source": "unavailable",
                "reason": f"the control scenario {CONTROL} has no timed results in this report"}
    medians = [median(xs) for xs in samples.values()]
    across_reps = [(max(xs) - min(xs)) / median(xs) for xs in samples.values() if len(xs) >= 2]
    across_backends = ((max(medians) - min(medians)) / median(medians)
                       if len(medians) >= 2 else None)
    if across_backends is None and not across_reps:
        return {"source": "unavailable",
                "reason": f"one backend with one repetition of {CONTROL}: no spread to measure"}
    level = max([across_backends or 0.0] + across_reps)
    return {"control": CONTROL, "level_pct": 100 * level,
            "across_backends_pct": None if across_backends is None else 100 * across_backends,
            "across_repetitions_pct": 100 * max(across_reps) if across_reps else None,
            "backends": len(medians), "repetitions": max(len(xs) for xs in samples.values())}


def noise_of(report):
    """The noise object: the report's (from allocbench), else computed here."""
    stored = report.data.get("noise")
    if isinstance(stored, dict) and (num(stored.get("level_pct")) is not None or
                                     stored.get("source") == "unavailable"):
        return stored
    return _computed(report)


def level(report):
    """The noise level as a fraction, or None when unavailable."""
    value = num(noise_of(report).get("level_pct"))
    return None if value is None else value / 100


def threshold(report):
    value = num(report.config.get("noise_threshold_pct"))
    return (value if value is not None else 5.0) / 100


def noise_text(report):
    """One line: the level, where it comes from, and a warning above the run's threshold."""
    n = noise_of(report)
    if num(n.get("level_pct")) is None:
        return f"noise: unavailable ({n.get('reason', 'no reason recorded')})"
    parts = []
    if num(n.get("across_backends_pct")) is not None:
        parts.append(f"{n['across_backends_pct']:.1f}% across {n.get('backends')} backends")
    if num(n.get("across_repetitions_pct")) is not None:
        parts.append(f"{n['across_repetitions_pct']:.1f}% across {n.get('repetitions')} "
                     "repetitions")
    text = (f"noise: {n['level_pct']:.1f}% (control: {CONTROL} spreads " + ", ".join(parts) +
            f"); ratios within ±{n['level_pct']:.1f}% are not findings")
    if n["level_pct"] / 100 > threshold(report):
        text += (f" — above the run's noise threshold ({100 * threshold(report):.1f}%): "
                 "a busy machine?")
    return text
