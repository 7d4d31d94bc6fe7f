#!/usr/bin/python3
"""The toy backend, registered by one allocbench_add_backend() call, end to end.

Copies allocbench and allocbench-worker-toy into an empty directory (the driver finds workers
next to itself), then checks that `allocbench list` shows the toy, that a short `run` puts it in
the report's backends and results, and that plot.py draws it and names it in the markdown.

Usage: test_toy_backend.py ALLOCBENCH WORKER PLOT_PY WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys


def run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=240)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return proc.stdout


def main():
    allocbench, worker, plot, work = (os.path.abspath(a) for a in sys.argv[1:5])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for exe in (allocbench, worker):
        shutil.copy2(exe, work)
    driver = os.path.join(work, "allocbench")

    listing = run([driver, "list"], work)
    if "toy" not in listing or "allocbench-toy" not in listing:
        sys.exit(f"allocbench list does not show the toy backend:\n{listing}")

    report_path = os.path.join(work, "toy.json")
    run([driver, "run", "--quick", "--scenarios", "spawn_churn", "--repetitions", "1",
         "--param", "ops=20000", "--param", "samples=2000", "--out", report_path], work)
    with open(report_path) as f:
        report = json.load(f)
    backends = [b["name"] for b in report["backends"]]
    if backends != ["toy"] or report["backends"][0]["status"] != "ok":
        sys.exit(f"report backends: {report['backends']}")
    rows = report["results"]
    if not rows or any(r["backend"] != "toy" for r in rows):
        sys.exit(f"report results: {[r['backend'] for r in rows]}")

    charts = os.path.join(work, "charts")
    markdown = os.path.join(work, "report.md")
    run([sys.executable, plot, report_path, "--out", charts, "--markdown", markdown], work)
    pngs = [f for f in os.listdir(charts) if f.endswith(".png")]
    with open(markdown) as f:
        text = f.read()
    if not pngs or "toy" not in text:
        sys.exit(f"charts {pngs}; markdown names the toy: {'toy' in text}")
    print(f"toy backend: listed, {len(rows)} result rows, {len(pngs)} charts")


if __name__ == "__main__":
    main()
