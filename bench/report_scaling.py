"""How the summary and the charts scale: an hour of samples at 10 Hz plus a million request rows.

Target (issue 6): the full size becomes the summary and every chart in at most 15 s and 1.5 GB,
and the cost grows linearly. Measured at three sizes (a quarter, a half, the whole), each in a
fresh process so its peak memory is its own. Also measured side by side: the old recovered_at loop
(one pass over every row per candidate moment) against the new one, on small sizes, to show why
it had to go.

Not a test: it prints figures and ratios measured in one run. On a shared machine they are noisy.

    .venv/bin/python bench/report_scaling.py [--sizes 0.25,0.5,1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HOUR_S = 3600.0
SAMPLE_HZ = 10
FULL_REQUESTS = 1_000_000
FAULT_EVERY_S, FAULT_FOR_S = 600.0, 60.0
TARGET_S, TARGET_MB = 15.0, 1536.0

SCENARIO = """\
name: scaling
description: Synthetic recording for bench/report_scaling.py.
duration_s: {duration_s}
app:
  builtin:
    pool: {{max_size: 20, acquire_timeout_s: 2.0}}
faults:
{faults}
checks:
  - {{type: no_leak}}
  - {{type: max_error_rate, value: 0.05}}
  - {{type: recovers_within_s, value: 30}}
"""


def fault_windows(duration_s: float) -> list[tuple[float, float]]:
    starts = np.arange(FAULT_EVERY_S / 2, duration_s - FAULT_FOR_S, FAULT_EVERY_S)
    return [(float(s), float(s) + FAULT_FOR_S) for s in starts]


def make_run(root: Path, fraction: float, seed: int = 7) -> Path:
    """A run directory with one variant: fraction x (an hour at 10 Hz, a million requests)."""
    rng = np.random.default_rng(seed)
    duration_s = HOUR_S * fraction
    windows = fault_windows(duration_s)
    run = root / f"run-{fraction:g}"
    vdir = run / "default"
    vdir.mkdir(parents=True)
    faults = "\n".join(f"  - {{type: latency, at_s: {a:g}, for_s: {FAULT_FOR_S:g}, latency_ms: 300}}"
                       for a, _ in windows)
    (run / "scenario.yaml").write_text(SCENARIO.format(duration_s=duration_s, faults=faults or "  []"))

    t = np.arange(int(duration_s * SAMPLE_HZ)) / SAMPLE_HZ
    in_fault = np.zeros(len(t), dtype=bool)
    for a, b in windows:
        in_fault |= (t >= a) & (t < b)
    active = np.where(in_fault, 20, rng.integers(0, 12, len(t)))
    waiting = np.where(in_fault, rng.integers(1, 40, len(t)), 0)
    samples = pd.DataFrame({"t_s": t.round(3), "pool_max_size": 20, "pool_total": 20, "pool_active": active,
                            "pool_idle": 20 - active, "pool_waiting": waiting, "mysql_app_connections": 20,
                            "mysql_app_sleep": 20 - active, "mysql_app_query": active, "mysql_app_zombies": 0,
                            "mysql_prepared_stmt_count": (t // 10).astype(int), "mysql_max_prepared_stmt_count": 16382,
                            "mysql_aborted_clients": (t // 60).astype(int)})
    samples.to_csv(vdir / "samples.csv", index=False)

    n = int(FULL_REQUESTS * fraction)
    start = np.sort(rng.uniform(0, duration_s, n))
    slow = np.zeros(n, dtype=bool)
    for a, b in windows:
        slow |= (start >= a) & (start < b)
    latency = np.where(slow, rng.uniform(300, 2100, n), rng.lognormal(1.0, 0.6, n)).round(3)
    timed_out = slow & (latency > 2000)
    outcome = np.where(timed_out, "fail", "ok").astype(object)
    error_class = np.where(timed_out, "pool_timeout", "").astype(object)
    lost = rng.random(n) < 0.002
    outcome[lost], error_class[lost] = "info", "connection_lost"
    aborted = rng.random(n) < 0.001
    outcome[aborted], error_class[aborted] = "aborted", "aborted"
    requests = pd.DataFrame({"t_s": start.round(4), "name": "query", "latency_ms": latency, "outcome": outcome,
                             "error_class": error_class})
    health_t = np.arange(0, duration_s, 1.0)
    health = pd.DataFrame({"t_s": health_t, "name": "health", "latency_ms": 2.0, "outcome": "ok", "error_class": ""})
    pd.concat([requests, health]).sort_values("t_s").to_csv(vdir / "requests.csv", index=False)

    events = [{"t_s": 0.0, "event": "load.start"}]
    for i, (a, b) in enumerate(windows):
        events += [{"t_s": a, "event": "latency.start", "fault": "latency", "index": i},
                   {"t_s": b, "event": "latency.stop", "fault": "latency", "index": i}]
    events += [{"t_s": duration_s, "event": "load.stop"}, {"t_s": duration_s + 3, "event": "drain.end"}]
    (vdir / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    return run


CHILD = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from harness.analysis.run import load_run
from harness.report.build import write_reports
import harness.plots.charts  # matplotlib import counted apart from drawing
t1 = time.perf_counter()
analysis, text = load_run(Path(sys.argv[1]))
t2 = time.perf_counter()
write_reports(Path(sys.argv[1]), analysis, text)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "summary_s": t2 - t1, "charts_s": t3 - t2,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(run: Path, repeat: int) -> dict[str, float]:
    """Load + summary, then every chart and both reports, each time in a fresh process (its own peak RSS);
    the best of ``repeat`` for each figure, since other jobs on a shared machine only ever add time."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, str(run)], capture_output=True, text=True, check=True)
        for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items():
            best[k] = min(v, best.get(k, v))
    return best


def old_recovered_at(samples: pd.DataFrame, req: pd.DataFrame, since_s: float, until_s: float) -> float | None:
    """The loop this issue replaced: every candidate filters every row again (rows x candidates)."""
    t = since_s
    ends = req["t_s"] + req["latency_ms"] / 1000.0
    failed = req["outcome"].isin(["fail", "info"])
    while t + 5.0 <= until_s + 1e-9:
        window = samples[(samples["t_s"] >= t) & (samples["t_s"] <= t + 5.0)]
        waiting_ok = window.empty or bool((window["pool_waiting"].fillna(0) == 0).all())
        in_window = (ends >= t) & (ends <= t + 5.0)
        n = int(in_window.sum())
        if waiting_ok and (n == 0 or int((in_window & failed).sum()) / n < 0.01):
            return round(t, 3)
        t += 0.5
    return None


def recovery_side_by_side(fractions: list[float]) -> list[tuple[float, int, float, float]]:
    """(fraction, rows, old s, new s): a run that never recovers, so both must look at every candidate."""
    from harness.analysis.recovery import recovered_at

    rng = np.random.default_rng(3)
    rows = []
    for f in fractions:
        duration = HOUR_S * f
        t = np.arange(int(duration * SAMPLE_HZ)) / SAMPLE_HZ
        samples = pd.DataFrame({"t_s": t, "pool_waiting": np.zeros(len(t))})
        n = int(FULL_REQUESTS * f)
        req = pd.DataFrame({"t_s": np.sort(rng.uniform(0, duration, n)), "latency_ms": np.full(n, 5.0),
                            "outcome": np.where(np.arange(n) % 50 == 0, "fail", "ok")})
        a = time.perf_counter()
        old = old_recovered_at(samples, req, 0.0, duration)
        old_s = time.perf_counter() - a
        new_s = float("inf")
        for _ in range(5):  # fast enough to take the best of five
            a = time.perf_counter()
            new = recovered_at(samples, req, 0.0, duration)
            new_s = min(new_s, time.perf_counter() - a)
        assert old is None and new is None
        rows.append((f, n + len(t), old_s, new_s))
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="0.25,0.5,1", help="fractions of the full size, comma-separated")
    p.add_argument("--repeat", type=int, default=3, help="runs per size; the best of them is reported")
    p.add_argument("--keep", type=Path, help="write the synthetic runs here and keep them")
    p.add_argument("--skip-old", action="store_true", help="skip the old recovered_at loop (about 30 s at 1 h)")
    args = p.parse_args()
    fractions = [float(x) for x in args.sizes.split(",")]
    root = args.keep or Path(tempfile.mkdtemp(prefix="report-scaling-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"Shared 2-core machine: figures are noisy (best of {args.repeat} per size); compare the ratios "
          "within this run.\n")
    print("| size | samples | requests | summary s | charts+reports s | total s | peak MB | total s per 1M rows |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = []
    for f in fractions:
        run = make_run(root, f)
        m = measure(run, args.repeat)
        samples, requests = int(HOUR_S * f * SAMPLE_HZ), int(FULL_REQUESTS * f)
        total = m["summary_s"] + m["charts_s"]
        results.append((f, total, m))
        print(f"| {f:g} h | {samples:,} | {requests:,} | {m['summary_s']:.2f} | {m['charts_s']:.2f} | {total:.2f} | "
              f"{m['peak_mb']:.0f} | {total / ((samples + requests) / 1e6):.2f} |")
    base_f, base_t, base_m = results[0]
    print("\nGrowth against the smallest size (linear = the size ratio):")
    for f, total, m in results[1:]:
        summary_x = m["summary_s"] / base_m["summary_s"]
        print(f"  x{f / base_f:g} data: total x{total / base_t:.2f}, summary x{summary_x:.2f}, "
              f"charts x{m['charts_s'] / base_m['charts_s']:.2f}, peak memory x{m['peak_mb'] / base_m['peak_mb']:.2f}")
    full = [r for r in results if r[0] == 1.0]
    if full:
        _, total, m = full[0]
        ok = total <= TARGET_S and m["peak_mb"] <= TARGET_MB
        print(f"\nFull size: {total:.1f} s (target {TARGET_S:g} s), {m['peak_mb']:.0f} MB (target {TARGET_MB:g} MB), "
              f"plus {m['import_s']:.1f} s of imports: {'met' if ok else 'NOT met'}")
    if not args.skip_old:
        print("\nrecovered_at, old loop against the new one (a run that never recovers):")
        print("| size | rows | old s | new s | old / new |")
        print("|---:|---:|---:|---:|---:|")
        side = recovery_side_by_side(fractions)
        for f, rows, old_s, new_s in side:
            print(f"| {f:g} h | {rows:,} | {old_s:.2f} | {new_s:.3f} | {old_s / new_s:.0f} |")
        (fa, _, old_a, new_a), (fb, _, old_b, new_b) = side[0], side[-1]
        k = fb / fa
        print(f"  x{k:g} data: old x{old_b / old_a:.1f} (rows x candidates would be x{k * k:g}), "
              f"new x{new_b / new_a:.1f} (linear: x{k:g})")
    if args.keep:
        print(f"\n(synthetic runs in {root})")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
