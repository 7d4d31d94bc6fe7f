#!/usr/bin/python3
"""Runs one allocbench-micro-<backend> executable briefly and checks the JSON it writes.

Checks what the driver relies on and what proves the numbers are real: per-repetition rows and
mean/median/stddev aggregates, items_per_second, the per-item counters, the custom context, one
backend call per allocate/free pair (an elided pair would read 0), where spawned frames come from
(backend vs global operator new), and that an unservable size is a skipped row with its reason.

Usage: check_micro_json.py EXE BACKEND OUT_JSON
"""
import json
import math
import subprocess
import sys

REPS = 2
FILTER = "alloc_free/size:(64|4096)$|spawn_(slab|box)_run_free"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def rows_named(rows, name):
    return [r for r in rows if r.get("run_name") == name]


def main():
    exe, backend, out = sys.argv[1:4]
    # Both outputs are JSON: stdout too must parse (no bare NaN anywhere).
    proc = subprocess.run(
        [exe, f"--benchmark_filter={FILTER}", "--benchmark_min_time=0.002",
         f"--benchmark_repetitions={REPS}", "--benchmark_format=json",
         f"--benchmark_out={out}"],
        capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"{exe} exited {proc.returncode}: {proc.stderr[-2000:]}")
    json.loads(proc.stdout, parse_constant=lambda c: failures.append(f"stdout has {c}"))
    with open(out) as f:
        report = json.load(f, parse_constant=lambda c: failures.append(f"file has {c}"))

    ctx = report["context"]
    check(ctx.get("backend") == backend, f"context.backend is {ctx.get('backend')!r}")
    for key in ("backend_library", "backend_version", "malloc_provider", "global_alloc_counter",
                "slab_max_slot_bytes"):
        check(bool(ctx.get(key)), f"context.{key} missing or empty")
    counting = ctx.get("global_alloc_counter") == "enabled"
    check(ctx.get("backend_reclaims_frees") in ("true", "false"),
          f"context.backend_reclaims_frees is {ctx.get('backend_reclaims_frees')!r}")
    # An arena that never reuses a freed block (pmr_monotonic) takes a new, 1.5x larger buffer
    # from global new when one is used up: a few calls over the whole run, never one per item.
    arena = ctx.get("backend_reclaims_frees") == "false"
    check(ctx.get("backend_is_slab") in ("true", "false"),
          f"context.backend_is_slab is {ctx.get('backend_is_slab')!r}")
    slab = ctx.get("backend_is_slab") == "true"

    def global_allocs_ok(got, want):
        if got is None:
            return False
        if arena and want == 0.0:
            return 0.0 <= got < 0.01
        return math.isclose(got, want)

    rows = report["benchmarks"]
    pair = rows_named(rows, "alloc_free/size:64")
    reps = [r for r in pair if r["run_type"] == "iteration"]
    check(len(reps) == REPS, f"alloc_free/size:64 has {len(reps)} repetition rows, want {REPS}")
    aggs = {r["aggregate_name"] for r in pair if r["run_type"] == "aggregate"}
    check({"mean", "median", "stddev"} <= aggs, f"alloc_free/size:64 aggregates are {aggs}")
    for r in reps:
        check(not r.get("error_occurred"), f"alloc_free/size:64 skipped: {r.get('error_message')}")
        check(r.get("items_per_second", 0) > 0, "alloc_free/size:64 items_per_second not > 0")
        check(r.get("ns_per_item", 0) > 0, "alloc_free/size:64 ns_per_item not > 0")
        check(r.get("allocs_per_item") == 1.0,
              f"alloc_free/size:64 allocs_per_item is {r.get('allocs_per_item')}, want 1")
        check(r.get("frees_per_item") == 1.0,
              f"alloc_free/size:64 frees_per_item is {r.get('frees_per_item')}, want 1")
        if counting:
            # system's backend is global operator new itself; the others never call it.
            want = 1.0 if backend == "system" else 0.0
            check(global_allocs_ok(r.get("global_allocs_per_item"), want),
                  f"alloc_free/size:64 global_allocs_per_item is "
                  f"{r.get('global_allocs_per_item')}, want {want}"
                  + (" (an arena: below 0.01)" if arena and want == 0.0 else ""))
        else:
            check("global_allocs_per_item" not in r, "global counter reported while unavailable")

    big = [r for r in rows_named(rows, "alloc_free/size:4096") if r["run_type"] == "iteration"]
    check(len(big) == REPS, f"alloc_free/size:4096 has {len(big)} repetition rows")
    for r in big:
        if slab:
            check(r.get("error_occurred") is True, "slab alloc_free/size:4096 was not skipped")
            check("4096" in r.get("error_message", ""),
                  f"skip reason does not name the size: {r.get('error_message')!r}")
        else:
            check(not r.get("error_occurred"), f"4096 skipped on {backend}: {r.get('error_message')}")

    for name, backend_allocs in (("spawn_slab_run_free", 1.0), ("spawn_box_run_free", 0.0)):
        spawn = [r for r in rows_named(rows, name) if r["run_type"] == "iteration"]
        check(len(spawn) == REPS, f"{name} has {len(spawn)} repetition rows")
        for r in spawn:
            check(not r.get("error_occurred"), f"{name} skipped: {r.get('error_message')}")
            check(r.get("allocs_per_item") == backend_allocs,
                  f"{name} allocs_per_item is {r.get('allocs_per_item')}, want {backend_allocs}")
            check(r.get("frame_size_bytes", 0) > 0, f"{name} frame_size_bytes not > 0")
            if not counting:
                continue
            # A slab frame never touches global new; a Box frame is exactly one new. The system
            # backend's allocate is global new, so its slab path counts one too.
            if name == "spawn_box_run_free" or backend == "system":
                want = 1.0
            else:
                want = 0.0
            got = r.get("global_allocs_per_item")
            check(global_allocs_ok(got, want),
                  f"{name} global_allocs_per_item is {got}, want {want}"
                  + (" (an arena: below 0.01)" if arena and want == 0.0 else ""))

    if failures:
        print(f"{backend}: {len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print(f"{backend}: micro JSON ok ({len(rows)} rows)")


if __name__ == "__main__":
    main()
